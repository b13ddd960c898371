// npm run bench: the gate's hot paths against a bare route, on real PostgreSQL, first as a
// deployment runs it, then in the development defaults.
//
// For each configuration: a scratch database (migrated), BENCH_PROJECTS projects of BENCH_WORKERS
// workers with fresh ACTIVE memberships and fresh BPJS registrations, the real server as a child
// process (`node src/server.ts` with npm start's V8 flags, LOG_LEVEL=warn), and autocannon in this
// process, in one run: GET /healthz (the bare route), the compliance dry run, and decisions
// (POST /v1/disbursements, a new Idempotency-Key each, spread round-robin over the projects with a
// stage never asked before, so every request is a fresh stage that is approved). Each scenario:
// BENCH_CONNECTIONS connections, a warm-up, then 3 runs; medians are printed, with the load average.
//
// Configurations (BENCH_CONFIGS, default production,development):
//   production   NODE_ENV=production, keys from a JWKS URL (served here), BPJS_PROVIDER=http against
//                the simulator (src/bpjs/simulator.ts; no call is expected: the data is fresh, and
//                the calls it got are printed)
//   development  npm start's defaults: development keys, BPJS_PROVIDER=snapshot
// The targets (contract, issue 10) apply to the production table: decisions >= 1.5% of the bare
// route with p99 <= 40 ms, compliance reads >= 6%.
//
// Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres),
// BENCH_DURATION (seconds per run, default 10), BENCH_CONNECTIONS (default 10), BENCH_WARMUP
// (seconds, default 10: for 7-8 s after a start the decisions fill the 60 projects' rosters and
// memos, the heap grows from about 40 to 230 MB and GC pauses take 1.6 s of the first 10 s against
// 0.35 s of any later 10 s, so a 3 s warm-up left that in the first run), BENCH_WORKERS (default
// 1000), BENCH_PROJECTS (default 60), BENCH_ONLY (comma list of baseline,compliance,decision),
// BENCH_SCALE=1 (then the scale bench, bench/scale.ts).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runScenario, type Scenario, type ScenarioResult } from './measure.ts';
import { startProductionSurroundings } from './production.ts';
import { createScratchDatabase, seedProjects, type SeededProject } from './seed.ts';
import { benchTokens, startServer } from './server.ts';

const env = process.env;
const adminUrl = env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const duration = Number(env.BENCH_DURATION ?? 10);
const connections = Number(env.BENCH_CONNECTIONS ?? 10);
const warmup = Number(env.BENCH_WARMUP ?? 10);
const workers = Number(env.BENCH_WORKERS ?? 1000);
const projectCount = Number(env.BENCH_PROJECTS ?? 60);
const only = new Set((env.BENCH_ONLY ?? 'baseline,compliance,decision').split(','));
const configs = (env.BENCH_CONFIGS ?? 'production,development').split(',') as Array<'production' | 'development'>;
const root = fileURLToPath(new URL('..', import.meta.url));

export const TARGETS = { compliance: { ratio: 0.06 }, decision: { ratio: 0.015, p99: 40 } } as const;
/** TERMIN_1..TERMIN_999: the stages a project can be asked for. */
const MAX_TERMIN = 999;

interface ConfigResult {
  config: 'production' | 'development';
  results: Array<ScenarioResult & { load: number }>;
  upstreamCalls: number | null;
  decisionsAsked: number;
  /** Stored decisions by outcome after the scenarios: every one should be APPROVED (a fresh stage of a compliant project). */
  outcomes: Record<string, number>;
}

const load1 = (): number => loadavg()[0] as number;

/** Fresh stages, round-robin over the projects: request k asks projects[k % n] for TERMIN_(k / n + 1). */
function freshStages(projects: readonly SeededProject[]) {
  let k = 0;
  return {
    next(): { projectId: string; stage: string } {
      const termin = Math.floor(k / projects.length) + 1;
      if (termin > MAX_TERMIN) throw new Error(`out of fresh stages after ${k} decisions: raise BENCH_PROJECTS`);
      const project = projects[k % projects.length] as SeededProject;
      k++;
      return { projectId: project.id, stage: `TERMIN_${termin}` };
    },
    get asked() {
      return k;
    },
  };
}

async function benchConfiguration(config: 'production' | 'development'): Promise<ConfigResult> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gerbang-bench-'));
  const scratch = await createScratchDatabase(adminUrl);
  const surroundings = config === 'production' ? await startProductionSurroundings(dataDir) : undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    process.stdout.write(`\n== ${config}: database ${scratch.name} migrated; seeding ${projectCount} projects of ${workers} workers...\n`);
    const projects = await seedProjects(scratch.url, { projects: projectCount, workers });
    server = await startServer({ root, databaseUrl: scratch.url, dataDir, env: surroundings?.env ?? {} });
    process.stdout.write(`server: \`node src/server.ts\` (pid ${server.pid}) on ${server.url}, ${config === 'production'
      ? 'NODE_ENV=production, JWKS from a URL, BPJS_PROVIDER=http (simulator)' : 'NODE_ENV=development, development keys, BPJS_PROVIDER=snapshot'}; `
      + `${cpus().length} CPUs, load generator in this process\n`);
    const { finance, opd } = surroundings ? await surroundings.tokens() : await benchTokens(dataDir);
    const stages = freshStages(projects);
    const first = projects[0] as SeededProject;

    const scenarios: Scenario[] = [
      { name: 'baseline', title: 'GET /healthz (bare route)', request: { method: 'GET', path: '/healthz' }, expect: 200 },
      {
        name: 'compliance', title: `GET /v1/projects/{id}/compliance (${workers} workers)`,
        request: { method: 'GET', path: `/v1/projects/${first.id}/compliance`, headers: { authorization: opd } }, expect: 200,
      },
      {
        name: 'decision', title: `POST /v1/disbursements (${workers} workers, a fresh stage each)`,
        request: {
          method: 'POST', path: '/v1/disbursements', headers: { authorization: finance, 'content-type': 'application/json' },
          setupRequest: (req) => {
            const { projectId, stage } = stages.next();
            return {
              ...req,
              headers: { ...req.headers, 'idempotency-key': randomUUID() },
              // A small amount: policy v2 caps the approved total at the contract value (change 12), and
              // every stage up to TERMIN_999 of a 1,110,000,000 contract must stay approvable.
              body: JSON.stringify({ projectId, stage, amount: 1_000_000, requestRef: `SPM/${randomUUID().slice(0, 8)}/BENCH` }),
            };
          },
        },
        // A fresh stage of a compliant project: anything but an approval is a finding.
        expect: 201,
      },
    ];

    surroundings?.resetUpstreamCalls();
    const results: ConfigResult['results'] = [];
    for (const scenario of scenarios.filter((s) => only.has(s.name))) {
      const load = load1();
      process.stdout.write(`${scenario.title}: warm-up ${warmup} s, then 3 x ${duration} s at ${connections} connections (load average ${load.toFixed(1)})\n`);
      results.push({ ...(await runScenario(server.url, scenario, { duration, connections, warmup })), load });
    }
    const outcomes = await decisionOutcomes(scratch.url);
    return { config, results, upstreamCalls: surroundings ? surroundings.upstreamCalls() : null, decisionsAsked: stages.asked, outcomes };
  } finally {
    await server?.stop();
    await surroundings?.close();
    await scratch.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function decisionOutcomes(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ decision: string; n: number }>('select decision, count(*)::int as n from disbursements group by decision');
    return Object.fromEntries(rows.map((r) => [r.decision, r.n]));
  } finally {
    await client.end();
  }
}

function verdicts(r: ConfigResult) {
  const baseline = r.results.find((x) => x.name === 'baseline');
  const ratioOf = (x: ScenarioResult) => (baseline ? x.rps / baseline.rps : null);
  const compliance = r.results.find((x) => x.name === 'compliance');
  const decision = r.results.find((x) => x.name === 'decision');
  const complianceMet = compliance ? (ratioOf(compliance) ?? 0) >= TARGETS.compliance.ratio : null;
  const decisionMet = decision ? (ratioOf(decision) ?? 0) >= TARGETS.decision.ratio && decision.p99 <= TARGETS.decision.p99 : null;
  return { ratioOf, complianceMet, decisionMet };
}

function table(r: ConfigResult): string {
  const { ratioOf, complianceMet, decisionMet } = verdicts(r);
  const lines = [
    `\n${r.config === 'production'
      ? 'Production configuration (NODE_ENV=production, JWKS URL, BPJS_PROVIDER=http against the simulator, memberships fresh)'
      : 'Development defaults (BPJS_PROVIDER=snapshot, development keys)'}:`,
    '| scenario | req/s (median of 3) | p50 ms | p99 ms | vs bare route | load avg | unexpected | target |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const x of r.results) {
    const ratio = ratioOf(x);
    const target = x.name === 'compliance'
      ? `>= ${TARGETS.compliance.ratio * 100}%: ${complianceMet ? 'met' : 'NOT met'}`
      : x.name === 'decision'
        ? `>= ${TARGETS.decision.ratio * 100}%, p99 <= ${TARGETS.decision.p99} ms: ${decisionMet ? 'met' : 'NOT met'}`
        : '-';
    lines.push(`| ${x.title} | ${x.rps.toFixed(0)} | ${x.p50} | ${x.p99} | ${ratio === null ? '-' : `${(ratio * 100).toFixed(2)}%`} | ${x.load.toFixed(1)} | ${x.unexpected} | ${target} |`);
  }
  if (r.upstreamCalls !== null) lines.push(`upstream calls during the scenarios: ${r.upstreamCalls}`);
  lines.push(`decisions asked (warm-up included): ${r.decisionsAsked}, over ${projectCount} projects; stored: ${
    Object.entries(r.outcomes).map(([d, n]) => `${n} ${d}`).join(', ') || 'none'}`);
  const notApproved = Object.entries(r.outcomes).filter(([d]) => d !== 'APPROVED').reduce((n, [, c]) => n + c, 0);
  if (notApproved > 0) lines.push(`warning: ${notApproved} decisions were not APPROVED: the scenario measured something else than approvals`);
  for (const x of r.results) if (x.unexpected > 0) lines.push(`warning: ${x.name} had ${x.unexpected} responses other than ${x.expect} (${x.statusSummary})`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const all: ConfigResult[] = [];
  for (const config of configs) all.push(await benchConfiguration(config));
  for (const r of all) process.stdout.write(`${table(r)}\n`);
  const production = all.find((r) => r.config === 'production');
  if (production) {
    const { complianceMet, decisionMet } = verdicts(production);
    const met = complianceMet !== false && decisionMet !== false;
    process.stdout.write(`\nverdict (production configuration): ${met ? 'targets met' : 'targets NOT met'} `
      + `(decisions ${decisionMet === null ? 'not run' : decisionMet ? 'met' : 'NOT met'}, compliance ${complianceMet === null ? 'not run' : complianceMet ? 'met' : 'NOT met'}); `
      + `the machine's load average now ${loadavg().map((l) => l.toFixed(2)).join(', ')}\n`);
  }
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
