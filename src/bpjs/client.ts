// The HTTP client of the BPJS upstream: batching, bounded concurrency, per-call timeouts, a cap on
// the answer's size, retries with jittered backoff, one circuit breaker, strict validation.
// It never throws for upstream trouble: every asked key comes back either answered or failed.
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { breakerState as breakerGauge, upstreamCalls, upstreamLatency } from '../ops/metrics.ts';
import {
  MAX_BATCH, PARTICIPANTS_PATH, PROJECTS_PATH, participantsAnswerSchema, projectsAnswerSchema,
  type UpstreamParticipant, type UpstreamProject,
} from './wire.ts';

export type FailureKind =
  | 'timeout' | 'network' | 'server_error' | 'rate_limited' | 'rejected' | 'malformed' | 'oversized' | 'breaker_open' | 'deadline';

/** Why a call failed; `retryable` ones are tried again while the deadline allows. */
export class UpstreamFailure extends Error {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(kind: FailureKind, detail: string, options: { status?: number; retryAfterMs?: number } = {}) {
    super(`${kind}: ${detail}`);
    this.name = 'UpstreamFailure';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
  get retryable(): boolean {
    return this.kind === 'timeout' || this.kind === 'network' || this.kind === 'server_error' || this.kind === 'rate_limited';
  }
}

export interface BpjsClientOptions {
  baseUrl: string;
  apiKey: string;
  /** Per call (BPJS_TIMEOUT_MS); a call never outlives the caller's deadline either. */
  timeoutMs: number;
  /** How long the open breaker waits before letting one probe through (BPJS_BREAKER_RESET_MS). */
  breakerResetMs: number;
  batchSize?: number;
  /** Batches in flight at once, per fetch. */
  concurrency?: number;
  /** Calls in flight at once over all fetches (concurrent decisions), to spare the upstream. */
  maxInFlight?: number;
  /** Largest answer accepted for one batch, in bytes. */
  maxResponseBytes?: number;
  /** Tries per batch, the first included (the deadline usually stops earlier). */
  maxAttempts?: number;
  /** Consecutive failed calls that open the breaker. */
  breakerThreshold?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  logger?: Logger;
  /** For jitter; tests may pass a fixed one. */
  random?: () => number;
}

export interface FetchResult<T> {
  /** The upstream's validated answer per asked key (found or not found). */
  answers: Map<string, T>;
  /** Keys without a usable answer: the call failed, or the answer left them out. */
  failed: string[];
}

export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'isolated';

export interface BpjsClient {
  /** `deadline` is wall-clock time (compared with Date.now()), not the app's injectable clock. */
  fetchParticipants(niks: readonly string[], deadline: Date): Promise<FetchResult<UpstreamParticipant>>;
  fetchProjects(projectNumbers: readonly string[], deadline: Date): Promise<FetchResult<UpstreamProject>>;
  breakerState(): BreakerStateName;
}

interface Endpoint<T> {
  name: 'participants' | 'projects';
  path: string;
  bodyKey: 'niks' | 'projectNumbers';
  schema: z.ZodType<{ results: T[] }>;
  keyOf: (entry: T) => string;
}

const PARTICIPANTS: Endpoint<UpstreamParticipant> = {
  name: 'participants', path: PARTICIPANTS_PATH, bodyKey: 'niks', schema: participantsAnswerSchema, keyOf: (p) => p.nik,
};
const PROJECTS: Endpoint<UpstreamProject> = {
  name: 'projects', path: PROJECTS_PATH, bodyKey: 'projectNumbers', schema: projectsAnswerSchema, keyOf: (p) => p.projectNumber,
};

const STATE_NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};
const GAUGE_VALUES: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 0.5,
  [CircuitState.Isolated]: 1,
};

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `fn` over the items with at most `limit` running at once. */
async function inPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A counting semaphore whose waiters give up at their deadline. */
function createSlots(size: number) {
  let active = 0;
  const waiters: Array<() => void> = [];
  return {
    acquire(deadline: number): Promise<boolean> {
      if (active < size) {
        active++;
        return Promise.resolve(true);
      }
      return new Promise<boolean>((resolve) => {
        const grant = () => {
          clearTimeout(timer);
          active++;
          resolve(true);
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(grant), 1);
          resolve(false);
        }, Math.max(0, deadline - Date.now()));
        waiters.push(grant);
      });
    },
    release() {
      active--;
      waiters.shift()?.();
    },
  };
}

/** Reads the body up to `cap` bytes; past it, stops reading and drops the connection. */
async function readCapped(response: Response, cap: number, abort: () => void): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > cap) {
    abort();
    throw new UpstreamFailure('oversized', `declared ${declared} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > cap) {
        abort();
        throw new UpstreamFailure('oversized', `more than ${cap} bytes`);
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, size);
}

function statusFailure(response: Response): UpstreamFailure {
  const status = response.status;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const options = retryAfterMs === undefined ? { status } : { status, retryAfterMs };
  if (status === 429) return new UpstreamFailure('rate_limited', 'HTTP 429', options);
  if (status >= 500) return new UpstreamFailure('server_error', `HTTP ${status}`, options);
  return new UpstreamFailure('rejected', `HTTP ${status}`, { status });
}

export function createBpjsClient(options: BpjsClientOptions): BpjsClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const batchSize = Math.min(options.batchSize ?? MAX_BATCH, MAX_BATCH);
  const concurrency = options.concurrency ?? 4;
  const slots = createSlots(options.maxInFlight ?? 16);
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  const maxAttempts = options.maxAttempts ?? 4;
  const backoffBaseMs = options.backoffBaseMs ?? 100;
  const backoffMaxMs = options.backoffMaxMs ?? 2_000;
  const random = options.random ?? Math.random;
  const logger = options.logger;

  // One breaker for the one upstream: both calls share its health. Every failure counts, the
  // 429s included (opening then sheds the load the upstream asked us to shed).
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: options.breakerResetMs,
    breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
  });
  breakerGauge.set(0);
  breaker.onStateChange((state) => {
    breakerGauge.set(GAUGE_VALUES[state]);
    logger?.warn({ breaker: STATE_NAMES[state] }, 'BPJS upstream circuit breaker changed state');
  });

  /** One HTTP call for one batch: resolves with its validated entries or throws UpstreamFailure. */
  async function callOnce<T>(endpoint: Endpoint<T>, batch: readonly string[], deadline: number): Promise<T[]> {
    const timeoutMs = Math.min(options.timeoutMs, deadline - Date.now());
    if (timeoutMs <= 0) throw new UpstreamFailure('deadline', 'no time left');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const started = performance.now();
    let outcome: FailureKind | 'ok' = 'ok';
    try {
      const response = await fetch(`${baseUrl}${endpoint.path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ [endpoint.bodyKey]: batch }),
        signal: controller.signal,
        redirect: 'error',
      });
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw statusFailure(response);
      }
      if (!/^application\/json\b/i.test(response.headers.get('content-type') ?? '')) {
        await response.body?.cancel().catch(() => {});
        throw new UpstreamFailure('malformed', 'not JSON');
      }
      const body = await readCapped(response, maxResponseBytes, () => controller.abort());
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        throw new UpstreamFailure('malformed', 'unparseable JSON');
      }
      const parsed = endpoint.schema.safeParse(json);
      if (!parsed.success) throw new UpstreamFailure('malformed', `schema: ${parsed.error.issues[0]?.path.join('.') ?? ''}`);
      // An entry nobody asked for, or two for one key, makes the whole answer untrustworthy.
      const asked = new Set(batch);
      const seen = new Set<string>();
      for (const entry of parsed.data.results) {
        const key = endpoint.keyOf(entry);
        if (!asked.has(key) || seen.has(key)) throw new UpstreamFailure('malformed', 'unasked or repeated entry');
        seen.add(key);
      }
      return parsed.data.results;
    } catch (err) {
      const failure =
        err instanceof UpstreamFailure ? err
        : controller.signal.aborted ? new UpstreamFailure('timeout', `no answer within ${timeoutMs} ms`)
        : new UpstreamFailure('network', errorCode(err));
      outcome = failure.kind;
      throw failure;
    } finally {
      clearTimeout(timer);
      upstreamLatency.observe({ endpoint: endpoint.name }, (performance.now() - started) / 1000);
      upstreamCalls.inc({ endpoint: endpoint.name, outcome });
    }
  }

  /** Runs one call through the breaker; waiting on a half-open probe never outlasts the deadline. */
  async function throughBreaker<T>(endpoint: Endpoint<T>, batch: readonly string[], deadline: number): Promise<T[]> {
    if (!(await slots.acquire(deadline))) throw new UpstreamFailure('deadline', 'no free slot for a call in time');
    try {
      return await throughBreakerHoldingSlot(endpoint, batch, deadline);
    } finally {
      slots.release();
    }
  }

  async function throughBreakerHoldingSlot<T>(endpoint: Endpoint<T>, batch: readonly string[], deadline: number): Promise<T[]> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new UpstreamFailure('deadline', 'no time left');
    const expired = AbortSignal.timeout(remaining);
    const call = breaker.execute(() => {
      if (expired.aborted) throw new UpstreamFailure('deadline', 'expired while the breaker probed');
      return callOnce(endpoint, batch, deadline);
    }, expired);
    call.catch(() => {}); // abandoned when the deadline wins the race below
    let onAbort: (() => void) | undefined;
    const timeUp = new Promise<never>((_, reject) => {
      onAbort = () => reject(new UpstreamFailure('deadline', 'waited for the breaker probe'));
      expired.addEventListener('abort', onAbort, { once: true });
    });
    timeUp.catch(() => {}); // settles after the race only if the listener outlived it
    try {
      return await Promise.race([call, timeUp]);
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        upstreamCalls.inc({ endpoint: endpoint.name, outcome: 'breaker_open' });
        throw new UpstreamFailure('breaker_open', 'circuit open');
      }
      if (err instanceof UpstreamFailure) throw err;
      throw new UpstreamFailure('network', errorCode(err));
    } finally {
      if (onAbort) expired.removeEventListener('abort', onAbort);
    }
  }

  function backoffMs(attempt: number, failure: UpstreamFailure): number {
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (attempt - 1));
    const jittered = ceiling / 2 + random() * (ceiling / 2); // "equal jitter": spread, never zero
    return Math.max(jittered, failure.retryAfterMs ?? 0);
  }

  async function fetchBatch<T>(endpoint: Endpoint<T>, batch: readonly string[], deadline: number, into: FetchResult<T>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const entries = await throughBreaker(endpoint, batch, deadline);
        for (const entry of entries) into.answers.set(endpoint.keyOf(entry), entry);
        // A key the answer left out is a failure for that key alone.
        for (const key of batch) if (!into.answers.has(key)) into.failed.push(key);
        return;
      } catch (err) {
        const failure = err as UpstreamFailure;
        const delay = backoffMs(attempt, failure);
        // Honouring Retry-After past the deadline would only make the caller wait to fail.
        if (!failure.retryable || attempt >= maxAttempts || Date.now() + delay >= deadline) {
          // While the breaker is open every batch fails the same way; its state change was logged.
          logger?.[failure.kind === 'breaker_open' ? 'debug' : 'warn']({ endpoint: endpoint.name, kind: failure.kind, status: failure.status, attempt, batchSize: batch.length }, 'BPJS upstream batch failed');
          into.failed.push(...batch);
          return;
        }
        await sleep(delay);
      }
    }
  }

  async function fetchAll<T>(endpoint: Endpoint<T>, keys: readonly string[], deadline: Date): Promise<FetchResult<T>> {
    const unique = [...new Set(keys)];
    const result: FetchResult<T> = { answers: new Map(), failed: [] };
    const batches: string[][] = [];
    for (let i = 0; i < unique.length; i += batchSize) batches.push(unique.slice(i, i + batchSize));
    await inPool(batches, concurrency, (batch) => fetchBatch(endpoint, batch, deadline.getTime(), result));
    return result;
  }

  return {
    fetchParticipants: (niks, deadline) => fetchAll(PARTICIPANTS, niks, deadline),
    fetchProjects: (numbers, deadline) => fetchAll(PROJECTS, numbers, deadline),
    breakerState: () => STATE_NAMES[breaker.state],
  };
}

/** A short, data-free description of a transport error (undici puts the code on `cause`). */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.name : 'unknown';
}
