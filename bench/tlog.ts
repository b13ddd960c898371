// The transparency log at scale: proof latency at 1,000,000 events, and the backfill's time.
//
//   npm run bench:tlog [-- --events 1000000 --samples 300]
//
// Creates a scratch database (migrated), appends N events as bench/audit.ts does (appendAuditBatch:
// the chain and the Merkle tree, 10,000 events per transaction), starts the real server as a child
// process, waits until it has loaded the tree's full tiles into memory (it does so after start-up;
// gerbang_audit_tree_tiles_in_memory on /metrics), then measures, one request at a time over
// keep-alive (what one auditor's client sees):
//   1. GET /v1/audit/proof/inclusion?seq=&treeSize= for random seq <= treeSize <= N;
//   2. GET /v1/audit/proof/consistency?from=&to= for random from <= to <= N;
//   3. GET /v1/audit/checkpoint?treeSize= for random sizes (a root of a past size and a signed note);
// each proof is also verified against the root of its size (RFC 9162 verification, src/audit/proof-check.ts).
// The server runs as a city deploys it (bench/production.ts: NODE_ENV=production, tokens verified
// against a JWKS URL, key files, BPJS_PROVIDER=http against the simulator); `--config development`
// runs it as `npm run dev` does (development keys in DATA_DIR), as this bench did before.
// Then the backfill: the tree is emptied behind the triggers' back (superuser, replica role) and
// rebuilt by the start-up step (catchUpAuditTree) from the 1,000,000 stored events; its root must
// come back identical. Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres).
// `--database NAME` keeps the seeded database under that name and reuses it on the next run
// (seeding a million events takes minutes on a shared machine); drop it by hand when done.
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { appendAuditBatch, type AuditEntry } from '../src/audit/append.ts';
import { AUDIT_ACTIONS } from '../src/audit/chain.ts';
import { verifyConsistency, verifyInclusion } from '../src/audit/proof-check.ts';
import { catchUpAuditTree } from '../src/audit/tree-backfill.ts';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { openPostgres } from '../src/db/client.ts';
import { migratePostgres } from '../src/db/migrate.ts';
import { devAuthJwk } from '../src/keys.ts';
import { startProductionSurroundings } from './production.ts';
import { createScratchDatabase } from './seed.ts';
import { startServer } from './server.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' }, samples: { type: 'string', default: '300' }, batch: { type: 'string', default: '10000' },
    config: { type: 'string', default: 'production' }, database: { type: 'string' },
  },
});
if (values.config !== 'production' && values.config !== 'development') throw new Error('--config is production or development');
if (values.database !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(values.database)) throw new Error('--database: a lowercase identifier');
const N = Number(values.events);
const SAMPLES = Number(values.samples);
const BATCH = Number(values.batch);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

function entry(i: number): AuditEntry {
  const action = AUDIT_ACTIONS[i % 10] ?? 'project.updated';
  return {
    actor: { sub: `bench-${i % 17}`, roles: [i % 3 === 0 ? 'finance' : 'opd'], opd: i % 3 === 0 ? null : 'DPUPR' },
    action, entityType: action.split('.')[0] as string, entityId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    data: { n: i, stage: `TERMIN_${1 + (i % 5)}`, amount: 125_000_000 + i, note: 'Rehabilitasi Jalan Demang Lebar' }, requestId: `bench-${i}`,
  };
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

const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
const b64 = (s: string) => Buffer.from(s, 'base64');

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number).toFixed(2);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms (${s.length} requests)`;
}

/** A database of N events: the kept one named by --database (seeded once), or a scratch one dropped at the end. */
async function benchDatabase(): Promise<{ url: string; seedSeconds: number | null; drop(): Promise<void> }> {
  if (values.database === undefined) {
    const scratch = await createScratchDatabase(adminUrl);
    process.stdout.write(`database ${scratch.name}: appending ${N} events with their tree (load average ${load()})...\n`);
    return { url: scratch.url, seedSeconds: await seed(scratch.url), drop: () => scratch.drop() };
  }
  const name = values.database;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
  if (!exists) await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migratePostgres(url);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const head = Number((await c.query<{ seq: string }>('select seq from audit_head where id = 1')).rows[0]?.seq ?? 0);
  await c.end();
  if (head !== 0 && head !== N) throw new Error(`database ${name} holds ${head} events, not ${N}: drop it or name another`);
  let seedSeconds: number | null = null;
  if (head === 0) {
    process.stdout.write(`database ${name} (kept): appending ${N} events with their tree (load average ${load()})...\n`);
    seedSeconds = await seed(url);
  } else {
    process.stdout.write(`database ${name} (kept): reusing its ${N} events\n`);
  }
  return { url, seedSeconds, drop: async () => {} };
}

/** startServer allows 30 s; on a machine shared by eight test suites a start can take longer. */
async function start(url: string, dataDir: string, env: Record<string, string>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServer({ root, databaseUrl: url, dataDir, env });
    } catch (err) {
      if (attempt === 3) throw err;
      process.stdout.write(`  server start failed (${err instanceof Error ? err.message : String(err)}); again\n`);
    }
  }
}

/**
 * Waits until the server holds every full tile of the tree in memory (it loads them after start-up,
 * src/audit/tlog.ts warmAuditTree), as it does in service; proofs are measured from then on.
 */
async function treeInMemory(metricsUrl: string): Promise<void> {
  const want = Math.min(4096, Math.floor(N / 256));
  const started = performance.now();
  let tiles = 0;
  while (performance.now() - started < 180_000) {
    const gauge = /^gerbang_audit_tree_tiles_in_memory (\d+)/m.exec(await (await fetch(metricsUrl)).text());
    tiles = Number(gauge?.[1] ?? 0);
    if (tiles >= want || !gauge) break; // no gauge: a version that keeps no tiles (to compare with)
    await new Promise((r) => setTimeout(r, 100));
  }
  const rss = Number(/^process_resident_memory_bytes (\d+)/m.exec(await (await fetch(metricsUrl)).text())?.[1] ?? 0);
  process.stdout.write(`  ${tiles} of ${want} full tiles in memory ${((performance.now() - started) / 1000).toFixed(1)} s after the server was ready; server RSS ${(rss / 2 ** 20).toFixed(0)} MB\n`);
}

/**
 * The server's own request-duration histogram (from its first hook to the answer sent), by route
 * and bucket: what the server spent, apart from the time a request waited to be read on a busy
 * machine and the client's own time.
 */
async function serverCounts(metricsUrl: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const text = await (await fetch(metricsUrl)).text();
  counts.set('cpu', Number(/^process_cpu_seconds_total (\S+)/m.exec(text)?.[1] ?? 0));
  for (const m of text.matchAll(/^gerbang_http_request_duration_seconds_bucket\{le="([^"]+)",method="GET",route="([^"]+)",status="200"\} (\d+)/gm)) {
    counts.set(`${m[2]} ${m[1]}`, Number(m[3]));
  }
  return counts;
}

/** An inspector's bearer header: from the identity provider (production) or the development key in DATA_DIR. */
async function inspectorToken(dataDir: string, surroundings: Awaited<ReturnType<typeof startProductionSurroundings>> | undefined) {
  if (surroundings) return surroundings.token(['inspector']);
  const config = loadConfig({ DATA_DIR: dataDir });
  return `Bearer ${await mintToken(await devAuthJwk(dataDir), { sub: 'bench-inspector', roles: ['inspector'] }, {
    issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM, ttlSeconds: 7200,
  })}`;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gerbang-bench-tlog-'));
  const surroundings = values.config === 'production' ? await startProductionSurroundings(dataDir) : undefined;
  const env = surroundings?.env ?? {};
  let database: Awaited<ReturnType<typeof benchDatabase>> | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    database = await benchDatabase();
    const { seedSeconds } = database;
    if (seedSeconds !== null) process.stdout.write(`  ${(N / seedSeconds).toFixed(0)} events/s appended with the tree (${seedSeconds.toFixed(1)} s)\n`);

    server = await start(database.url, dataDir, env);
    process.stdout.write(`server: \`node src/server.ts\` (pid ${server.pid}), ${surroundings
      ? 'NODE_ENV=production, tokens verified against a JWKS URL, BPJS_PROVIDER=http (simulator)' : 'NODE_ENV=development, development keys'}\n`);
    await treeInMemory(server.metricsUrl);
    const token = await inspectorToken(dataDir, surroundings);
    const get = async (url: string): Promise<{ ms: number; body: Record<string, unknown> }> => {
      const started = performance.now();
      const res = await fetch(`${server?.url}${url}`, { headers: { authorization: token } });
      const body = (await res.json()) as Record<string, unknown>;
      const ms = performance.now() - started;
      if (!res.ok) throw new Error(`${url} answered ${res.status}: ${JSON.stringify(body)}`);
      return { ms, body };
    };
    const roots = new Map<number, Buffer>();
    const rootOf = async (size: number) => {
      let r = roots.get(size);
      if (!r) roots.set(size, (r = b64((await get(`/v1/audit/checkpoint?treeSize=${size}`)).body.rootHash as string)));
      return r;
    };
    for (let i = 0; i < 20; i++) await get(`/v1/audit/proof/inclusion?seq=${rand(1, N)}`); // warm-up

    const countsBefore = await serverCounts(server.metricsUrl);
    process.stdout.write(`measuring ${SAMPLES} of each, one at a time (load average ${load()})...\n`);
    const inclusion: number[] = [];
    const consistency: number[] = [];
    const checkpoint: number[] = [];
    let bad = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const size = i % 2 === 0 ? N : rand(1, N);
      const seq = rand(1, size);
      const p = await get(`/v1/audit/proof/inclusion?seq=${seq}&treeSize=${size}`);
      inclusion.push(p.ms);
      const from = rand(1, N);
      const to = i % 2 === 0 ? N : rand(from, N);
      const c = await get(`/v1/audit/proof/consistency?from=${from}&to=${to}`);
      consistency.push(c.ms);
      const started = performance.now();
      await rootOf(rand(1, N));
      checkpoint.push(performance.now() - started);
      if (i % 10 === 0) {
        const okInclusion = verifyInclusion(seq - 1, size, b64(p.body.leafHash as string), (p.body.hashes as string[]).map(b64), await rootOf(size));
        const okConsistency = verifyConsistency(from, to, await rootOf(from), await rootOf(to), (c.body.hashes as string[]).map(b64));
        if (!okInclusion || !okConsistency) bad++;
      }
    }
    const countsAfter = await serverCounts(server.metricsUrl);
    await server.stop();

    // The backfill: what upgrading a log of N events to this version costs at start-up.
    const su = new pg.Client({ connectionString: database.url });
    await su.connect();
    const before = await rootOf(N);
    await su.query('begin');
    await su.query('set local session_replication_role = replica');
    await su.query('delete from audit_tree');
    await su.query('commit');
    await su.query('vacuum audit_tree');
    await su.end();
    const direct = await openPostgres({ url: database.url, logger: pino({ level: 'silent' }), max: 2, statementTimeoutMs: 3_600_000 });
    process.stdout.write(`backfilling the tree of ${N} events (load average ${load()})...\n`);
    const backfill = await catchUpAuditTree(direct.db);
    await direct.close();
    server = await start(database.url, dataDir, env);
    roots.clear();
    const after = await rootOf(N);

    const row = (what: string, value: string) => process.stdout.write(`  ${what.padEnd(40)} ${value}\n`);
    process.stdout.write(`\nresults (${N} events; ${os.cpus().length} cores, PostgreSQL on the same host; load average now ${load()})\n`);
    row('GET /v1/audit/proof/inclusion', summary(inclusion));
    row('GET /v1/audit/proof/consistency', summary(consistency));
    row('GET /v1/audit/checkpoint?treeSize=', summary(checkpoint));
    for (const route of ['/v1/audit/proof/inclusion', '/v1/audit/proof/consistency', '/v1/audit/checkpoint']) {
      const n = (le: string) => (countsAfter.get(`${route} ${le}`) ?? 0) - (countsBefore.get(`${route} ${le}`) ?? 0);
      const all = n('+Inf');
      const share = (le: string) => `${((100 * n(le)) / all).toFixed(1)}%`;
      row(`  in the server (${route.slice(10)})`, `${share('0.002')} within 2 ms, ${share('0.005')} within 5 ms, ${share('0.01')} within 10 ms (${all} requests)`);
    }
    const answered = ['/v1/audit/proof/inclusion', '/v1/audit/proof/consistency', '/v1/audit/checkpoint']
      .reduce((sum, route) => sum + (countsAfter.get(`${route} +Inf`) ?? 0) - (countsBefore.get(`${route} +Inf`) ?? 0), 0);
    const cpuMs = (((countsAfter.get('cpu') ?? 0) - (countsBefore.get('cpu') ?? 0)) * 1000) / answered;
    row('  server CPU per answer (all three)', `${cpuMs.toFixed(2)} ms (the Node process's CPU while measuring, background work included; not PostgreSQL's)`);
    row('proofs verified against signed roots', bad === 0 ? `all ${Math.ceil(SAMPLES / 10)} sampled pairs verify` : `${bad} FAILED`);
    row('configuration', surroundings ? 'production (bench/production.ts)' : 'development');
    if (seedSeconds !== null) row('append with the tree (appendAuditBatch)', `${(N / seedSeconds).toFixed(0)} events/s`);
    row('backfill at start-up (catchUpAuditTree)', `${backfill.appended} leaves in ${backfill.seconds.toFixed(1)} s = ${(backfill.appended / backfill.seconds).toFixed(0)} events/s; root ${after.equals(before) ? 'identical' : 'DIFFERENT'}`);
    if (bad > 0 || !after.equals(before)) process.exitCode = 1;
  } finally {
    await server?.stop();
    await database?.drop();
    await surroundings?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
