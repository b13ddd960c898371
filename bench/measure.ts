// autocannon runs: a warm-up, then three measured runs; the medians are what the bench reports.
import { createRequire } from 'node:module';

/** The parts of autocannon's request and result we use (the package ships no types). */
export interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: BenchRequest) => BenchRequest;
}

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p90: number; p97_5: number; p99: number; max: number };
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  requests: BenchRequest[];
}) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface Scenario {
  name: string;
  title: string;
  request: BenchRequest;
  expect: number;
}

export interface ScenarioResult {
  name: string;
  title: string;
  expect: number;
  rps: number;
  p50: number;
  p99: number;
  runs: Array<{ rps: number; p50: number; p99: number }>;
  unexpected: number;
  statusSummary: string;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** `runs` (default 3): how many measured runs follow the warm-up; `label` names them in the output. */
export async function runScenario(url: string, scenario: Scenario, o: { duration: number; connections: number; warmup: number; runs?: number; label?: string }): Promise<ScenarioResult> {
  const run = (duration: number) => autocannon({ url, connections: o.connections, pipelining: 1, duration, requests: [scenario.request] });
  if (o.warmup > 0) await run(o.warmup);
  const runs: Array<{ rps: number; p50: number; p99: number }> = [];
  const statuses: Record<string, number> = {};
  let failures = 0;
  for (let i = 0; i < (o.runs ?? 3); i++) {
    const r = await run(o.duration);
    runs.push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });
    for (const [status, { count }] of Object.entries(r.statusCodeStats)) statuses[status] = (statuses[status] ?? 0) + count;
    failures += r.errors + r.timeouts;
    // p90, p97.5 and the maximum show whether a p99 comes from a broad tail or from a few stalls.
    process.stdout.write(`  ${o.label ?? `run ${i + 1}`}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms (p90 ${r.latency.p90}, p97.5 ${r.latency.p97_5}, max ${r.latency.max})\n`);
  }
  const unexpected = failures + Object.entries(statuses).reduce((n, [status, count]) => (Number(status) === scenario.expect ? n : n + count), 0);
  return {
    name: scenario.name,
    title: scenario.title,
    expect: scenario.expect,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    runs,
    unexpected,
    statusSummary: Object.entries(statuses).map(([s, n]) => `${s}: ${n}`).join(', ') + (failures ? `, errors/timeouts: ${failures}` : ''),
  };
}
