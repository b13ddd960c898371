// The cold path: before each request, a committed change to one membership of the project's
// roster. The statement trigger of migration 0008 bumps the project's roster version, so the
// request finds its cached roster outdated and reloads it (assignments joined to memberships,
// which is where the size of the memberships table could show). One connection, so every request
// is a reload (with more, requests queued behind one reload would find it done).
import pg from 'pg';
import type { BenchRequest } from './measure.ts';

export interface RunFigures {
  /** Requests per second of the loop's own time (in turns, not the other phase's), the change before each included. */
  rps: number;
  p50: number;
  p99: number;
  count: number;
  /** Median time of the change (UPDATE + its roster-version trigger + commit), ms. */
  bumpMs: number;
  unexpected: number;
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/**
 * `change: false` sends the same requests one at a time without the change (the warm path at one
 * connection, to compare with).
 * `niks`: NIKs on the project's roster, changed in turn. The change is a no-op UPDATE (as_of set
 * to itself): the trigger fires all the same, and the reloaded roster has the same content, so
 * the request pays for the reload and nothing else (its worker evidence is already stored).
 */
export async function coldLoop(baseUrl: string, databaseUrl: string, o: { request: BenchRequest; expect: number; niks: readonly string[]; change?: boolean }) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'gerbang-bench-cold' });
  await client.connect();
  let turn = 0;
  const figures = () => ({ latencies: [] as number[], bumps: [] as number[], unexpected: 0, busyMs: 0 });
  type Tally = ReturnType<typeof figures>;
  /** One change (unless `change: false`) and one request, tallied. */
  async function step(t: Tally): Promise<void> {
    const stepStarted = performance.now();
    if (o.change !== false) {
      const nik = o.niks[turn++ % o.niks.length] as string;
      await client.query('update memberships set as_of = as_of where nik = $1', [nik]);
      t.bumps.push(performance.now() - stepStarted);
    }
    const req = o.request.setupRequest ? o.request.setupRequest(o.request) : o.request;
    const requestStarted = performance.now();
    const res = await fetch(`${baseUrl}${req.path}`, { method: req.method, headers: req.headers ?? {}, ...(req.body !== undefined ? { body: req.body } : {}) });
    await res.arrayBuffer();
    const now = performance.now();
    t.latencies.push(now - requestStarted);
    t.busyMs += now - stepStarted;
    if (res.status !== o.expect) t.unexpected++;
  }
  /** Requests per second of this loop's own time (the change before each included). */
  const summary = (t: Tally): RunFigures => {
    t.latencies.sort((a, b) => a - b);
    t.bumps.sort((a, b) => a - b);
    return { rps: t.latencies.length / (t.busyMs / 1000), p50: percentile(t.latencies, 50), p99: percentile(t.latencies, 99), count: t.latencies.length, bumpMs: percentile(t.bumps, 50), unexpected: t.unexpected };
  };
  return { figures, step, summary, close: () => client.end() };
}
export type ColdLoop = Awaited<ReturnType<typeof coldLoop>>;

/**
 * Two loops (phase A and phase B) for `seconds`, request by request in turns (A B, B A, ...), so
 * that whatever this machine does meanwhile falls on both alike. Taken 10 s at a time, one phase
 * after the other, a single connection's p50 moved between about 3 and 10 ms from one run to the
 * next on the same phase (bench:scale, 7 December 2026): a run's mode, not the phase, decided it.
 */
export async function runInTurns(a: ColdLoop, b: ColdLoop, seconds: number): Promise<{ a: RunFigures; b: RunFigures }> {
  const ta = a.figures();
  const tb = b.figures();
  const until = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < until; i++) {
    if (i % 2 === 0) {
      await a.step(ta);
      await b.step(tb);
    } else {
      await b.step(tb);
      await a.step(ta);
    }
  }
  return { a: a.summary(ta), b: b.summary(tb) };
}
