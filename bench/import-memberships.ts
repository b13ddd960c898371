// Imports N membership records through the real HTTP surface into PostgreSQL and reports the time
// and the server's peak RSS. The server runs as its own process (`node src/server.ts`) on a scratch
// database, so the numbers are the service's own, not the load generator's.
//
//   node bench/import-memberships.ts [--records 100000] [--config production|development] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
//
// Steps: NDJSON import of N new NIKs (inserts), then CSV of the same NIKs with a newer asOf and
// another status (updates with history), then the same CSV again (all unchanged).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth-tokens.ts';
import { devAuthJwk } from '../src/keys.ts';
import { startProductionSurroundings } from './production.ts';
import { freePort, START_FLAGS } from './server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const pad = (value: number, width: number) => String(value).padStart(width, '0');
/** The n-th distinct valid NIK (Kota Palembang, districts 01-99, born May 1990, serial 0001-9999). */
const nik = (n: number) => `1671${pad(1 + (Math.floor(n / (9999 * 28)) % 99), 2)}${pad(1 + (Math.floor(n / 9999) % 28), 2)}0590${pad((n % 9999) + 1, 4)}`;

export async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

export function* ndjsonLines(N: number): Generator<string> {
  for (let i = 0; i < N; i++) {
    yield `${JSON.stringify({ nik: nik(i), kpj: `2${pad(i, 10)}`, name: `Pekerja ${i}`, status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2025-01-01', coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '900100', asOf: '2025-06-01T00:00:00Z' })}\n`;
  }
}

export function* csvLines(N: number): Generator<string> {
  yield 'nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf\n';
  for (let i = 0; i < N; i++) yield `${nik(i)},2${pad(i, 10)},Pekerja ${i},INACTIVE,JKK|JKM,2025-01-01,2025-12-31,JAKON,900100,,2025-06-02T00:00:00Z\n`;
}

/** CPU seconds (user and system) a process has used so far; NaN when it is gone or not ours to read. */
async function cpuSeconds(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return text === '' ? Number.NaN : (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds used so far by the server and by the database backends serving the bench database. */
async function cpuUsed(admin: pg.Client, database: string, serverPid: number): Promise<{ server: number; backends: Map<number, number> }> {
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [database]);
  const backends = new Map<number, number>();
  for (const { pid } of rows) backends.set(pid, await cpuSeconds(pid));
  return { server: await cpuSeconds(serverPid), backends };
}

/**
 * When the import's first merge statement starts (seen in pg_stat_activity, polled every 50 ms):
 * what comes before it is reading, checking and staging, what comes after it merging.
 */
function whenMergeStarts(admin: pg.Client, database: string): { stop: () => Promise<number | null> } {
  let seen: number | null = null;
  let stopped = false;
  const poll = (async () => {
    while (!stopped && seen === null) {
      const { rows } = await admin.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where datname = $1 and state = 'active' and query like '%with src as%'`, [database]);
      if ((rows[0]?.n ?? 0) > 0) seen = performance.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await poll;
      return seen;
    },
  };
}

/**
 * POSTs a file as the request body, streamed from disk, and returns the answer. node:http with a
 * file stream, not fetch: fetch's web-stream body took about a third of a core while uploading,
 * taken from the server and the database on this 2-core machine (a real client runs elsewhere).
 */
export async function postFile(url: string, headers: Record<string, string>, file: string): Promise<{ status: number; body: string }> {
  const size = (await stat(file)).size;
  const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(size) } });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  // The server may answer (a refusal) before it has read the whole body: the answer counts, not the upload.
  await Promise.all([pipeline(createReadStream(file, { highWaterMark: 256 * 1024 }), req).catch(() => {}), answer]);
  return answer;
}

export async function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function main(N: number, adminUrl: string, config: 'production' | 'development'): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'gerbang-bench-'));
  const database = `gerbang_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;

  const ndjsonFile = path.join(work, 'memberships.ndjson');
  const csvFile = path.join(work, 'memberships.csv');
  await writeLines(ndjsonFile, ndjsonLines(N));
  await writeLines(csvFile, csvLines(N));

  const port = await freePort();
  // Production (the default): as a city deploys it (bench/production.ts: NODE_ENV=production, tokens
  // checked against a JWKS URL, key files, the live upstream's simulator).
  const surroundings = config === 'production' ? await startProductionSurroundings(work) : undefined;
  const env = {
    ...process.env, NODE_ENV: 'development', ...surroundings?.env,
    DATABASE_URL: url.toString(), PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: String(await freePort()), DATA_DIR: work, LOG_LEVEL: 'warn',
  };
  console.log(`configuration: ${config}${surroundings ? ' (bench/production.ts: NODE_ENV=production, JWKS URL, BPJS_PROVIDER=http against the simulator)' : ''}`);
  // Started as `npm start` starts it (the same V8 flags).
  const server = spawn(process.execPath, [...START_FLAGS, 'src/server.ts'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 300) throw new Error('server did not become ready');
      const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const pid = server.pid as number;
    const bearer = surroundings
      ? await surroundings.token(['admin'])
      : `Bearer ${await mintToken(await devAuthJwk(work), { sub: 'bench', roles: ['admin'] }, { issuer: 'gerbang-dev', audience: 'gerbang', rolesClaim: 'roles', opdClaim: 'opd' })}`;
    console.log(`records: ${N}; server pid ${pid}; idle RSS ${(await procStatus(pid, 'VmRSS')).toFixed(1)} MiB`);

    const runs: Array<[string, string, string]> = [
      ['ndjson (inserts)', ndjsonFile, 'application/x-ndjson'],
      ['csv (updates)', csvFile, 'text/csv'],
      ['csv (unchanged)', csvFile, 'text/csv'],
    ];
    for (const [label, file, type] of runs) {
      // Writing 5 to clear_refs resets the peak (VmHWM) of our own child, so each run has its own peak.
      await writeFile(`/proc/${pid}/clear_refs`, '5');
      const size = (await stat(file)).size;
      const cpuBefore = await cpuUsed(admin, database, pid);
      const started = performance.now();
      const merging = whenMergeStarts(admin, database);
      const res = await postFile(`${base}/v1/memberships/import`, { authorization: bearer, 'content-type': type }, file);
      const body = res.body;
      const seconds = (performance.now() - started) / 1000;
      const mergeStarted = await merging.stop();
      const phases = mergeStarted === null ? ''
        : `reading and staging ${((mergeStarted - started) / 1000).toFixed(1)} s, merging ${(seconds - (mergeStarted - started) / 1000).toFixed(1)} s; `;
      const peak = await procStatus(pid, 'VmHWM');
      // CPU seconds move much less than wall time with the machine's load (it is shared).
      const cpuAfter = await cpuUsed(admin, database, pid);
      let databaseCpu = 0;
      for (const [backend, after] of cpuAfter.backends) databaseCpu += after - (cpuBefore.backends.get(backend) ?? 0);
      const cpu = `server CPU ${(cpuAfter.server - cpuBefore.server).toFixed(1)} s, database CPU ${databaseCpu.toFixed(1)} s`;
      console.log(`${label}: ${(size / 1024 / 1024).toFixed(1)} MiB in ${seconds.toFixed(2)} s (${phases}${Math.round(N / seconds)} records/s; ${cpu}), server peak RSS ${peak.toFixed(1)} MiB, HTTP ${res.status} ${body}`);
    }
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    await surroundings?.close();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
    await rm(work, { recursive: true, force: true });
  }
}

// Run as a script; bench/scale.ts imports the helpers above.
if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '100000' },
      config: { type: 'string', default: 'production' },
      'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    },
  });
  if (values.config !== 'production' && values.config !== 'development') throw new Error('--config is production or development');
  await main(Number(values.records), values['admin-url'] as string, values.config);
}
