// npm run bench: the gate's hot paths against a bare route, on real PostgreSQL.
//
// Creates a scratch database (migrated), seeds a project of 1,000 workers with fresh ACTIVE
// memberships, starts the real server as a child process (`node src/server.ts`, LOG_LEVEL=warn),
// and measures with autocannon, in one run: GET /healthz (baseline), the compliance dry run, and
// full decisions (POST /v1/disbursements, a unique Idempotency-Key per request, random TERMIN_n
// stages). Each scenario: fixed connections, a warm-up, then 3 runs; medians are printed.
//
// Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres),
// BENCH_DURATION (seconds per run, default 10), BENCH_CONNECTIONS (default 10), BENCH_WARMUP
// (seconds, default 3), BENCH_WORKERS (default 1000), BENCH_STAGES (TERMIN_1..n, default 20),
// BENCH_ONLY (comma list of baseline,compliance,decision), BENCH_SCALE=1 (then the scale bench,
// bench/scale.ts, several minutes; alone: npm run bench:scale).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase, seedProject } from './seed.ts';
import { runScenario, type Scenario, type ScenarioResult } from './measure.ts';
import { benchTokens, startServer } from './server.ts';

const env = process.env;
const adminUrl = env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const duration = Number(env.BENCH_DURATION ?? 10);
const connections = Number(env.BENCH_CONNECTIONS ?? 10);
const warmup = Number(env.BENCH_WARMUP ?? 3);
const workers = Number(env.BENCH_WORKERS ?? 1000);
const stages = Number(env.BENCH_STAGES ?? 20);
const only = new Set((env.BENCH_ONLY ?? 'baseline,compliance,decision').split(','));
const root = fileURLToPath(new URL('..', import.meta.url));

const TARGETS = { compliance: { ratio: 0.04 }, decision: { ratio: 0.01, p99: 50 } } as const;

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gerbang-bench-'));
  const scratch = await createScratchDatabase(adminUrl);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    process.stdout.write(`database ${scratch.name}: migrated; seeding ${workers} workers...\n`);
    const project = await seedProject(scratch.url, workers);
    server = await startServer({ root, databaseUrl: scratch.url, dataDir });
    process.stdout.write(`server: child process \`node src/server.ts\` (pid ${server.pid}) on ${server.url}; ${cpus().length} CPUs, load generator in this process\n`);

    const { finance, opd } = await benchTokens(dataDir);

    const scenarios: Scenario[] = [
      { name: 'baseline', title: 'GET /healthz (bare route)', request: { method: 'GET', path: '/healthz' }, expect: 200 },
      {
        name: 'compliance', title: 'GET /v1/projects/{id}/compliance (1,000 workers)',
        request: { method: 'GET', path: `/v1/projects/${project.id}/compliance`, headers: { authorization: opd } }, expect: 200,
      },
      {
        name: 'decision', title: 'POST /v1/disbursements (1,000 workers, new key each)',
        request: {
          method: 'POST', path: '/v1/disbursements', headers: { authorization: finance, 'content-type': 'application/json' },
          setupRequest: (req) => ({
            ...req,
            headers: { ...req.headers, 'idempotency-key': randomUUID() },
            body: JSON.stringify({
              projectId: project.id,
              stage: `TERMIN_${1 + Math.floor(Math.random() * stages)}`,
              amount: 125_000_000,
              requestRef: `SPM/${randomUUID().slice(0, 8)}/BENCH`,
            }),
          }),
        },
        expect: 201,
      },
    ];

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios.filter((s) => only.has(s.name))) {
      process.stdout.write(`\n${scenario.title}: warm-up ${warmup} s, then 3 x ${duration} s at ${connections} connections (load average ${loadavg()[0]!.toFixed(1)})\n`);
      results.push(await runScenario(server.url, scenario, { duration, connections, warmup }));
    }
    report(results);
  } finally {
    await server?.stop();
    await scratch.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function report(results: ScenarioResult[]): void {
  const baseline = results.find((r) => r.name === 'baseline');
  const lines = ['', '| scenario | req/s (median of 3) | p50 ms | p99 ms | vs baseline | unexpected responses | target |', '|---|---|---|---|---|---|---|'];
  for (const r of results) {
    const ratio = baseline ? r.rps / baseline.rps : null;
    const target = r.name === 'compliance'
      ? `>= ${TARGETS.compliance.ratio * 100}%: ${ratio !== null && ratio >= TARGETS.compliance.ratio ? 'met' : 'NOT met'}`
      : r.name === 'decision'
        ? `>= ${TARGETS.decision.ratio * 100}% and p99 <= ${TARGETS.decision.p99} ms: ${ratio !== null && ratio >= TARGETS.decision.ratio && r.p99 <= TARGETS.decision.p99 ? 'met' : 'NOT met'}`
        : '-';
    lines.push(`| ${r.title} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${ratio === null ? '-' : `${(ratio * 100).toFixed(2)}%`} | ${r.unexpected} | ${target} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of results) if (r.unexpected > 0) process.stdout.write(`warning: ${r.name} had ${r.unexpected} responses other than ${r.expect} (${r.statusSummary})\n`);
}

/** BENCH_SCALE=1: the scale bench after this one, as its own process (it prints its own table). */
function scaleBench(): void {
  if (env.BENCH_SCALE !== '1') return;
  const result = spawnSync(process.execPath, [path.join(root, 'bench/scale.ts')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = result.status ?? 1;
}

main().then(scaleBench).catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
