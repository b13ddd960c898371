// The audit log at scale: export and verification speed, and the serving process's memory.
//
//   node bench/audit.ts [--events 1000000] [--batch 10000]
//
// Creates a scratch database (migrated), appends N events as a valid chain (appendAuditBatch: the
// hashes are computed in JS exactly as appendAudit does, 10,000 events per transaction), starts
// the real server as a child process (`node src/server.ts`), then measures:
//   1. GET /v1/audit/events as NDJSON and as CSV: events/s, MB/s, the server's peak RSS (VmHWM);
//   2. GET /v1/audit/verify over the whole log: events/s;
//   3. npm run audit:verify on the NDJSON file (a separate process): events/s and its peak RSS.
// Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres);
// BENCH_AUDIT_DATABASE_URL: measure an existing, already seeded and migrated database instead
// (nothing is created, seeded or dropped; --events is then ignored).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { appendAuditBatch, type AuditEntry } from '../src/audit/append.ts';
import { AUDIT_ACTIONS } from '../src/audit/chain.ts';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { openPostgres } from '../src/db/client.ts';
import { devAuthJwk } from '../src/keys.ts';
import { createScratchDatabase } from './seed.ts';
import { startServer } from './server.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, batch: { type: 'string', default: '10000' } } });
const N = Number(values.events);
const BATCH = Number(values.batch);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const MB = 1024 * 1024;

/** VmHWM (peak resident set) and VmRSS of a process, in MB, from /proc (Linux). */
async function memoryOf(pid: number): Promise<{ peakMb: number; rssMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 10 ms). */
async function cpuOf(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

// Events shaped like the real ones: decisions with reasons and a summary, rosters with pseudonyms.
function entry(i: number): AuditEntry {
  const actor = { sub: `bench-${i % 17}`, roles: [i % 3 === 0 ? 'finance' : 'opd'], opd: i % 3 === 0 ? null : 'DPUPR' };
  const action = AUDIT_ACTIONS[i % 10] ?? 'project.updated';
  const pseudonym = (n: number) => `${(i * 2654435761 + n).toString(16).padStart(16, '0')}`.repeat(4).slice(0, 64);
  const data =
    action === 'disbursement.decided'
      ? { projectId: `00000000-0000-4000-8000-${String(i % 1000).padStart(12, '0')}`, stage: `TERMIN_${1 + (i % 5)}`, amount: 125_000_000 + i, decision: i % 4 ? 'APPROVED' : 'BLOCKED', reasons: i % 4 ? [] : ['MEMBERSHIP_INACTIVE'], summary: { workersChecked: 1000, compliant: 998, nonCompliant: 2, unverified: 0 }, evidenceSha256: pseudonym(1) }
      : action === 'roster.replaced'
        ? { added: 2, removed: 1, updated: 0, unchanged: 997, total: 999, workers: { added: [pseudonym(2), pseudonym(3)], updated: [], removed: [pseudonym(4)] } }
        : { field: 'name', n: i, note: 'Rehabilitasi Jalan Demang Lebar' };
  return { actor, action, entityType: action.split('.')[0] as string, entityId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, data, requestId: `bench-${i}` };
}

async function seed(url: string): Promise<number> {
  const database = await openPostgres({ url, logger: pino({ level: 'silent' }), max: 2, statementTimeoutMs: 120_000 });
  const started = performance.now();
  try {
    for (let done = 0; done < N; done += BATCH) {
      const entries = Array.from({ length: Math.min(BATCH, N - done) }, (_, k) => entry(done + k));
      await database.db.transaction((tx) => appendAuditBatch(tx, entries, () => new Date()));
      if ((done / BATCH) % 10 === 0) process.stdout.write(`\r  seeded ${done + entries.length} / ${N}`);
    }
  } finally {
    await database.close();
  }
  process.stdout.write('\n');
  return (performance.now() - started) / 1000;
}

/** Streams the export to a file, counting lines, and samples the server's memory while it runs. */
async function download(url: string, token: string, accept: string, file: string, serverPid: number) {
  let peakRss = 0;
  const sampler = setInterval(() => void memoryOf(serverPid).then((m) => (peakRss = Math.max(peakRss, m.rssMb))).catch(() => {}), 100);
  const started = performance.now();
  const cpuBefore = await cpuOf(serverPid);
  const res = await fetch(`${url}/v1/audit/events`, { headers: { authorization: token, accept } });
  if (!res.ok || !res.body) throw new Error(`export answered ${res.status}: ${await res.text()}`);
  let lines = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as never), count, createWriteStream(file));
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = (await cpuOf(serverPid)) - cpuBefore;
  clearInterval(sampler);
  const bytes = (await stat(file)).size;
  return { lines, seconds, serverCpu, bytes, peakRssSampledMb: peakRss, untilSeq: Number(res.headers.get('x-audit-until-seq')) };
}

async function runCli(file: string) {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'src/cli/audit-verify.ts'), file, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let peak = 0;
  const sampler = setInterval(() => void memoryOf(child.pid as number).then((m) => (peak = Math.max(peak, m.peakMb))).catch(() => {}), 50);
  const [code] = await once(child, 'exit');
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  return { code: code as number, seconds, peakRssMb: peak, result: JSON.parse(out) as { ok: boolean; checked: number; eventsPerSecond: number; cpuSeconds: number } };
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gerbang-bench-audit-'));
  const existing = process.env.BENCH_AUDIT_DATABASE_URL;
  const scratch = existing ? { name: new URL(existing).pathname.slice(1), url: existing, drop: async () => {} } : await createScratchDatabase(adminUrl);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    if (!existing) {
      process.stdout.write(`database ${scratch.name}: seeding ${N} events in batches of ${BATCH}...\n`);
      const seedSeconds = await seed(scratch.url);
      process.stdout.write(`  ${(N / seedSeconds).toFixed(0)} events/s appended (${seedSeconds.toFixed(1)} s)\n`);
    }

    // The server runs with the V8 flags of `npm start` (they bound its young generation, hence its RSS).
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const flags = /^node\s+(.*?)\s*src\/server\.ts/.exec(pkg.scripts.start)?.[1] ?? '';
    const inherited = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = [inherited, flags].filter(Boolean).join(' ');
    server = await startServer({ root, databaseUrl: scratch.url, dataDir });
    process.env.NODE_OPTIONS = inherited ?? '';
    if (flags) process.stdout.write(`server flags (from npm start): ${flags}\n`);
    const pid = server.pid as number;
    const idle = await memoryOf(pid);
    process.stdout.write(`server pid ${pid} on ${server.url}: RSS ${idle.rssMb.toFixed(0)} MB when ready\n`);
    const config = loadConfig({ DATA_DIR: dataDir });
    const token = `Bearer ${await mintToken(await devAuthJwk(dataDir), { sub: 'bench-inspector', roles: ['inspector'] }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM, ttlSeconds: 7200,
    })}`;

    const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
    const ndjsonFile = path.join(dataDir, 'export.ndjson');
    const nd = await download(server.url, token, 'application/x-ndjson', ndjsonFile, pid);
    const afterNd = await memoryOf(pid);
    const csv = await download(server.url, token, 'text/csv', path.join(dataDir, 'export.csv'), pid);
    const afterCsv = await memoryOf(pid);

    const started = performance.now();
    const verifyCpuBefore = await cpuOf(pid);
    const verifyRes = await fetch(`${server.url}/v1/audit/verify`, { headers: { authorization: token } });
    const verify = (await verifyRes.json()) as { ok: boolean; checked: number };
    const verifySeconds = (performance.now() - started) / 1000;
    const verifyCpu = (await cpuOf(pid)) - verifyCpuBefore;
    const afterVerify = await memoryOf(pid);

    const cli = await runCli(ndjsonFile);

    const row = (what: string, value: string) => process.stdout.write(`  ${what.padEnd(44)} ${value}\n`);
    process.stdout.write(`\nresults (${nd.lines} events; ${os.cpus().length} cores, PostgreSQL on the same host; load average before: ${load})\n`);
    const perCpu = (events: number, cpu: number) => `${(events / cpu).toFixed(0)} events per server CPU-second`;
    row('NDJSON export', `${nd.lines} lines, ${(nd.bytes / MB).toFixed(0)} MB in ${nd.seconds.toFixed(1)} s = ${(nd.lines / nd.seconds).toFixed(0)} events/s, ${(nd.bytes / MB / nd.seconds).toFixed(0)} MB/s; ${perCpu(nd.lines, nd.serverCpu)}`);
    row('CSV export', `${csv.lines - 1} rows, ${(csv.bytes / MB).toFixed(0)} MB in ${csv.seconds.toFixed(1)} s = ${((csv.lines - 1) / csv.seconds).toFixed(0)} events/s; ${perCpu(csv.lines - 1, csv.serverCpu)}`);
    row('server RSS: ready / peak (VmHWM) after NDJSON', `${idle.rssMb.toFixed(0)} MB / ${afterNd.peakMb.toFixed(0)} MB`);
    row('server RSS: peak after CSV, after verify', `${afterCsv.peakMb.toFixed(0)} MB, ${afterVerify.peakMb.toFixed(0)} MB`);
    row('GET /v1/audit/verify', `ok=${verify.ok}, ${verify.checked} events in ${verifySeconds.toFixed(1)} s = ${(verify.checked / verifySeconds).toFixed(0)} events/s; ${perCpu(verify.checked, verifyCpu)}`);
    row('audit:verify CLI (separate process)', `ok=${cli.result.ok}, ${cli.result.checked} events, ${cli.result.eventsPerSecond} events/s while verifying; ${cli.seconds.toFixed(1)} s wall incl. start-up; ${(cli.result.checked / cli.result.cpuSeconds).toFixed(0)} events per CPU-second; peak RSS ${cli.peakRssMb.toFixed(0)} MB`);
    if (!verify.ok || !cli.result.ok || afterNd.peakMb > 300) process.exitCode = 1;
  } finally {
    await server?.stop();
    await scratch.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
