// A closed-loop load of decision requests, as a finance system would send them: each client sends
// one request at a time, and after a 503, a 409 in progress or a network error retries the same
// Idempotency-Key and body (shortly, not after the full Retry-After, so recovery is measured
// finely). Every attempt is recorded with its timing on the performance.now() clock.
import { randomUUID } from 'node:crypto';
import http from 'node:http';

export interface Attempt {
  client: number;
  /** Index in baseUrls of the instance asked. */
  instance?: number;
  key: string;
  start: number;
  end: number;
  /** null: no HTTP answer (the error says why). */
  status: number | null;
  error?: string;
  problem?: string;
  contentType?: string;
  retryAfter?: string;
  decisionId?: string;
  decision?: string;
  replayed?: boolean;
}

/** A key that got its decision (201, or 200 replay after a retry). */
export interface Decided {
  sub: string;
  key: string;
  projectId: string;
  stage: string;
  status: 200 | 201;
  decisionId: string;
  decision: string;
  at: number;
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface Client {
  send(method: string, path: string, headers?: Record<string, string>, body?: unknown): Promise<Response>;
  close(): void;
}

export function httpClient(baseUrl: string, options: { maxSockets?: number; timeoutMs?: number } = {}): Client {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
  const base = new URL(baseUrl);
  return {
    send(method, path, headers = {}, body) {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent, host: base.hostname, port: base.port, method, path,
            headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = text ? JSON.parse(text) : null;
              } catch {
                // kept as text
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
            });
          },
        );
        req.setTimeout(options.timeoutMs ?? 60_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

export interface DecisionBody {
  projectId: string;
  stage: string;
  amount: number;
  requestRef: string;
}

export interface LoadOptions {
  baseUrl: string;
  /**
   * Several instances behind no balancer: client i starts on baseUrls[i % n] and, after an attempt
   * with no HTTP answer (the instance died), retries the same key and body on the next one.
   */
  baseUrls?: string[];
  /** One token per client (each its own finance `sub`). */
  clients: Array<{ sub: string; token: string }>;
  projectIds: string[];
  /** The stage to ask for at this moment (ms since the load started): clients race for it. */
  stageAt(elapsedMs: number): string;
  retryDelayMs?: number;
  requestTimeoutMs?: number;
}

export interface Load {
  readonly startedAt: number;
  readonly attempts: Attempt[];
  readonly decided: Decided[];
  /** Clients finish the request they are in, send no more, and the result is returned. */
  stop(): Promise<LoadResult>;
}

export interface LoadResult {
  attempts: Attempt[];
  decided: Decided[];
  /** Keys whose last attempt had no decision when the load stopped, with the body to retry them. */
  unresolved: Array<{ sub: string; key: string; body: DecisionBody; lastStatus: number | null }>;
}

const RETRY = new Set([409, 503]);

export function startLoad(options: LoadOptions): Load {
  const urls = options.baseUrls ?? [options.baseUrl];
  const https = urls.map((u) => httpClient(u, { maxSockets: options.clients.length, timeoutMs: options.requestTimeoutMs ?? 60_000 }));
  const attempts: Attempt[] = [];
  const decided: Decided[] = [];
  const unresolved: LoadResult['unresolved'] = [];
  const startedAt = performance.now();
  let stopping = false;

  async function client(index: number, who: { sub: string; token: string }) {
    let instance = index % https.length;
    while (!stopping) {
      const key = randomUUID();
      const projectId = options.projectIds[Math.floor(Math.random() * options.projectIds.length)] as string;
      const stage = options.stageAt(performance.now() - startedAt);
      const body: DecisionBody = { projectId, stage, amount: 100_000_000, requestRef: `SPM/${key.slice(0, 8)}/DRILL` };
      let last: number | null = null;
      for (;;) {
        const attempt: Attempt = { client: index, key, start: performance.now(), end: 0, status: null, instance };
        try {
          const res = await (https[instance] as Client).send('POST', '/v1/disbursements', { authorization: `Bearer ${who.token}`, 'idempotency-key': key }, body);
          attempt.status = res.status;
          attempt.contentType = res.headers['content-type'];
          if (typeof res.headers['retry-after'] === 'string') attempt.retryAfter = res.headers['retry-after'];
          const b = res.body as { id?: string; decision?: string; code?: string };
          if (res.status === 200 || res.status === 201) {
            attempt.decisionId = b.id;
            attempt.decision = b.decision;
            attempt.replayed = res.headers['idempotent-replayed'] === 'true';
          } else {
            attempt.problem = b?.code;
          }
        } catch (err) {
          attempt.error = (err as { code?: string }).code ?? (err as Error).message;
        }
        attempt.end = performance.now();
        attempts.push(attempt);
        last = attempt.status;
        if (attempt.status === 200 || attempt.status === 201) {
          decided.push({ sub: who.sub, key, projectId, stage, status: attempt.status, decisionId: attempt.decisionId ?? '', decision: attempt.decision ?? '', at: attempt.end });
          break;
        }
        if (attempt.status === null) instance = (instance + 1) % https.length;
        const retry = attempt.status === null || RETRY.has(attempt.status);
        if (!retry || stopping) {
          if (retry) unresolved.push({ sub: who.sub, key, body, lastStatus: last });
          break;
        }
        await new Promise((r) => setTimeout(r, options.retryDelayMs ?? 100));
      }
    }
  }

  const running = Promise.all(options.clients.map((c, i) => client(i, c)));
  return {
    startedAt,
    attempts,
    decided,
    async stop() {
      stopping = true;
      await running;
      for (const h of https) h.close();
      return { attempts, decided, unresolved };
    },
  };
}
