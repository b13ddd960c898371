// The cold path: before each request, a committed change to one membership of the project's
// roster. The statement trigger of migration 0008 bumps the project's roster version, so the
// request finds its cached roster outdated and reloads it (assignments joined to memberships,
// which is where the size of the memberships table could show). One connection, so every request
// is a reload (with more, requests queued behind one reload would find it done).
import pg from 'pg';
import type { BenchRequest } from './measure.ts';

export interface RunFigures {
  /** Requests per second of wall time, the change before each included. */
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
  return {
    /** Change, request, measure the request, for `seconds`. */
    async run(seconds: number): Promise<RunFigures> {
      const latencies: number[] = [];
      const bumps: number[] = [];
      let unexpected = 0;
      const started = performance.now();
      const until = started + seconds * 1000;
      while (performance.now() < until) {
        if (o.change !== false) {
          const nik = o.niks[turn++ % o.niks.length] as string;
          const bumpStarted = performance.now();
          await client.query('update memberships set as_of = as_of where nik = $1', [nik]);
          bumps.push(performance.now() - bumpStarted);
        }
        const req = o.request.setupRequest ? o.request.setupRequest(o.request) : o.request;
        const requestStarted = performance.now();
        const res = await fetch(`${baseUrl}${req.path}`, { method: req.method, headers: req.headers ?? {}, ...(req.body !== undefined ? { body: req.body } : {}) });
        await res.arrayBuffer();
        latencies.push(performance.now() - requestStarted);
        if (res.status !== o.expect) unexpected++;
      }
      const wall = (performance.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      bumps.sort((a, b) => a - b);
      return { rps: latencies.length / wall, p50: percentile(latencies, 50), p99: percentile(latencies, 99), count: latencies.length, bumpMs: percentile(bumps, 50), unexpected };
    },
    close: () => client.end(),
  };
}
