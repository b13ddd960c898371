// GET /v1/forecast for a whole city: 1,000 projects of 100 workers (100,000 assignments).
//
//   npm run bench:forecast [-- --projects 1000 --workers 100 --samples 200]
//
// Creates a scratch database (migrated) and seeds it as bench/seed.ts does (fresh ACTIVE Jakon
// memberships, premium paid), then puts one project in ten at risk: in half of them one worker's
// coverage ends in 10 days, in the other half a worker without any membership joined. Starts the
// real server (snapshot mode; statuses count for 90 days, as after a monthly import) and measures
// GET /v1/forecast?within=30 as the Inspektorat's dashboard asks it, one request at a time over
// keep-alive: the first request (rosters not yet cached) apart, then p50/p99 of the rest.
// Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres).
import { mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { devAuthJwk } from '../src/keys.ts';
import { createScratchDatabase, seedProjects } from './seed.ts';
import { startServer } from './server.ts';

const { values } = parseArgs({ options: { projects: { type: 'string', default: '1000' }, workers: { type: 'string', default: '100' }, samples: { type: 'string', default: '200' } } });
const PROJECTS = Number(values.projects);
const WORKERS = Number(values.workers);
const SAMPLES = Number(values.samples);
const TARGET_MS = 200;
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

function quantiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

async function atRisk(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`update memberships m set coverage_end = (now() at time zone 'Asia/Jakarta')::date + 10
      from assignments a join projects p on p.id = a.project_id
      where a.nik = m.nik and p.code like 'DPUPR-BENCH-%' and substr(p.code, 13)::int % 20 = 0
        and a.id = (select min(b.id::text)::uuid from assignments b where b.project_id = p.id)`);
    await c.query(`insert into assignments (project_id, nik, name, kpj, role, start_date)
      select p.id, '1671990101' || lpad((substr(p.code, 13)::int)::text, 6, '0'), 'Pekerja baru', null, 'TUKANG', (now() at time zone 'Asia/Jakarta')::date
      from projects p where p.code like 'DPUPR-BENCH-%' and substr(p.code, 13)::int % 20 = 10`);
    const { rows: [row] } = await c.query<{ n: number }>(`select count(*)::int as n from projects where code like 'DPUPR-BENCH-%' and substr(code, 13)::int % 10 = 0`);
    return row!.n;
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gerbang-bench-forecast-'));
  const scratch = await createScratchDatabase(adminUrl);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    process.stdout.write(`database ${scratch.name}: seeding ${PROJECTS} projects x ${WORKERS} workers (load average ${load()})...\n`);
    await seedProjects(scratch.url, { projects: PROJECTS, workers: WORKERS });
    const expected = await atRisk(scratch.url);
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    await c.query('vacuum analyze');
    await c.end();

    server = await startServer({ root, databaseUrl: scratch.url, dataDir, env: { MEMBERSHIP_MAX_AGE_HOURS: String(24 * 90) } });
    const config = loadConfig({ DATA_DIR: dataDir });
    const token = `Bearer ${await mintToken(await devAuthJwk(dataDir), { sub: 'bench-inspector', roles: ['inspector'] }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM, ttlSeconds: 7200,
    })}`;
    const get = async () => {
      const started = performance.now();
      const res = await fetch(`${server?.url}/v1/forecast?within=30`, { headers: { authorization: token } });
      const body = (await res.json()) as { items: unknown[] };
      const ms = performance.now() - started;
      if (!res.ok) throw new Error(`answered ${res.status}: ${JSON.stringify(body)}`);
      return { ms, items: body.items.length };
    };
    process.stdout.write(`measuring 1 cold + ${SAMPLES} requests, one at a time (load average ${load()})...\n`);
    const cold = await get();
    const times: number[] = [];
    let items = cold.items;
    for (let i = 0; i < SAMPLES; i++) {
      const r = await get();
      times.push(r.ms);
      items = r.items;
    }
    const q = quantiles(times);
    const f = (n: number) => `${n.toFixed(1)} ms`;
    process.stdout.write(`\nresults (${PROJECTS} projects x ${WORKERS} workers; ${os.cpus().length} cores, PostgreSQL on the same host; load average now ${load()})\n`);
    process.stdout.write(`  GET /v1/forecast?within=30   cold (first, rosters loaded) ${f(cold.ms)}\n`);
    process.stdout.write(`  GET /v1/forecast?within=30   p50 ${f(q.p50)}, p95 ${f(q.p95)}, p99 ${f(q.p99)}, max ${f(q.max)} (${SAMPLES} requests)\n`);
    process.stdout.write(`  projects at risk: ${items} (expected ${expected}); target p50 < ${TARGET_MS} ms: ${q.p50 < TARGET_MS ? 'met' : 'MISSED'}\n`);
    if (items !== expected) process.exitCode = 1;
  } finally {
    await server?.stop();
    await scratch.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
