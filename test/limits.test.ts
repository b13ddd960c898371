// Resource limits (src/http/limits.ts, body limits in app.ts and streaming.ts) as a client meets
// them: over real sockets where the socket matters (body sizes, slow clients), through app.inject
// otherwise. Timeouts are shrunk through buildApp's `limits` so every case ends within seconds.
import { request as httpRequest } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.ts';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { openPostgres } from '../src/db/client.ts';
import type { Role } from '../src/http/auth.ts';
import type { LimitSettings } from '../src/http/limits.ts';
import type { MembershipProvider } from '../src/memberships/provider.ts';
import { buildTestApp, busyMachineLimits } from './helpers/app.ts';
import { testDatabaseUrl } from './helpers/database.ts';
import { createContractor, projectPayload, uniqueCode } from './helpers/factories.ts';
import { makeTestKeys } from './helpers/keys.ts';
import { clock, decisionBody, fakeHttpProvider, insertProject, insertWorker, newNik, query } from './disbursements/fixtures.ts';

// Clone this file's database at file level: the first call registers its drop in an afterAll
// of the block it runs in, and several describe blocks below share it.
await testDatabaseUrl();

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Headers = Record<string, string>;
interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function expectProblem(res: Answer, status: number, code: string): Record<string, unknown> {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code });
  expect(typeof body.title).toBe('string');
  return body;
}

/** The real app with chosen limits, on this file's database; logs at warn and above are kept in `logs`. */
async function limitedApp(limits: Partial<LimitSettings>, o: { env?: Headers; provider?: MembershipProvider; routes?: (app: App) => void } = {}) {
  const url = await testDatabaseUrl();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'warn', ...o.env });
  const logs: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const database = await openPostgres({ url, logger, max: 4 });
  const testKeys = await makeTestKeys();
  const app = await buildApp({ config, database, keys: testKeys.keys, logger, clock, limits: { ...busyMachineLimits, ...limits }, ...(o.provider ? { provider: o.provider } : {}) });
  o.routes?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  afterAll(async () => {
    await app.close();
    await database.close();
  });
  const auth = async (role: Role, sub = `${role}-user`): Promise<Headers> => ({
    authorization: `Bearer ${await mintToken(testKeys.idpJwk, { sub, roles: [role], ...(role === 'opd' ? { opd: 'DPUPR' } : {}) }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM,
    })}`,
  });
  return { app, database, logs, auth, port: (app.server.address() as AddressInfo).port };
}

interface RawResult {
  /** Everything the server wrote, parsed when it is one HTTP response. */
  answer: Answer | null;
  /** When the server's first byte arrived and when the connection closed, from the first write. */
  answeredAfterMs: number | null;
  closedAfterMs: number;
}

function parseRaw(text: string): Answer | null {
  const end = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 ') || end === -1) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { statusCode: Number(statusLine!.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/**
 * A hand-driven client: writes `start`, then `trickle` every `everyMs` (if given) until the server
 * closes the connection; gives up after `giveUpMs`. Measures when the answer came and when the
 * socket closed.
 */
function slowClient(port: number, o: { start: string; trickle?: string; everyMs?: number; giveUpMs?: number }): Promise<RawResult> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = performance.now();
    let received = '';
    let answeredAfterMs: number | null = null;
    let ticker: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => socket.destroy(), o.giveUpMs ?? 5_000);
    socket.on('connect', () => {
      socket.write(o.start);
      if (o.trickle) ticker = setInterval(() => socket.write(o.trickle!), o.everyMs ?? 50);
    });
    socket.on('data', (chunk) => {
      answeredAfterMs ??= performance.now() - started;
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {}); // a reset after the server gave up is expected
    socket.on('close', () => {
      clearInterval(ticker);
      clearTimeout(giveUp);
      resolve({ answer: parseRaw(received), answeredAfterMs, closedAfterMs: performance.now() - started });
    });
  });
}

/** A request whose declared length is `declared` but that sends only `sent`: the answer, without waiting for the rest. */
function declaredOnly(port: number, path: string, headers: Headers, declared: number, sent: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(declared) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write(sent);
  });
}

async function send(port: number, method: string, path: string, headers: Headers, body: string): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body });
  return { statusCode: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** JSON text of exactly `bytes` bytes: `{...prefix,"pad":"xxx"}`. */
function jsonOfSize(bytes: number, prefix = ''): string {
  const head = `{${prefix}${prefix ? ',' : ''}"pad":"`;
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
}

describe('rate limit per token sub (RATE_LIMIT_PER_MINUTE=5)', async () => {
  const t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
  const as = (role: Role, sub: string) => t.auth(role, { sub });
  const get = async (url: string, headers: Headers = {}) => t.app.inject({ url, headers }) as unknown as Promise<Answer>;

  it('lets 5 requests a minute through, then answers 429 problem+json with Retry-After', async () => {
    const finance = await as('finance', 'rl-finance');
    for (let i = 0; i < 5; i++) {
      const ok = await get('/v1/opds', finance);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['x-ratelimit-limit']).toBe('5');
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(4 - i));
    }
    const limited = await get('/v1/opds', finance);
    const problem = expectProblem(limited, 429, 'RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${limited.headers['retry-after']}`).toBe(true);
    expect(limited.headers['x-ratelimit-reset']).toBe(String(retryAfter));
    expect(limited.headers['x-request-id']).toBeTruthy();
    expect(problem.detail).toMatch(/5 permintaan per menit/);
    const en = await get('/v1/opds', { ...finance, 'accept-language': 'en' });
    expect(JSON.parse(en.body)).toMatchObject({ code: 'RATE_LIMITED', title: 'Too many requests' });
    expect(JSON.parse(en.body).detail).toMatch(/retry in \d+ s/);
  });

  it('counts per sub, whatever the token or role, and other subs are not affected', async () => {
    for (let i = 0; i < 5; i++) expect((await get('/v1/opds', await as('finance', 'rl-shared'))).statusCode).toBe(200);
    // A new token (another role even) with the same sub shares the budget.
    expectProblem(await get('/v1/opds', await as('inspector', 'rl-shared')), 429, 'RATE_LIMITED');
    expect((await get('/v1/opds', await as('finance', 'rl-other'))).statusCode).toBe(200);
  });

  it('refuses a limited caller before its body is read or validated', async () => {
    const admin = await as('admin', 'rl-admin');
    for (let i = 0; i < 5; i++) expect((await get('/v1/opds', admin)).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: '/v1/opds', headers: admin, payload: { code: '' } });
    expectProblem(res as unknown as Answer, 429, 'RATE_LIMITED');
  });

  it('answers a bad token 401 (not counted), never 429', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await get('/v1/opds', { authorization: 'Bearer not-a-token' });
      expectProblem(res, 401, 'UNAUTHORIZED');
    }
  });

  it('never limits /healthz and /readyz', async () => {
    for (let i = 0; i < 12; i++) {
      for (const url of ['/healthz', '/readyz']) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['x-ratelimit-limit'], url).toBeUndefined();
      }
    }
  });

  it('limits the other public routes per client address, apart from any token budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await get(i % 2 ? '/openapi.json' : '/v1/audit/jwks.json')).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await get('/v1/opds', await as('finance', 'rl-after-public'))).statusCode).toBe(200);
  });
});

describe('body limits over a real socket', async () => {
  const t = await buildTestApp({ clock });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (t.app.server.address() as AddressInfo).port;
  const admin = { ...(await t.auth('admin')), 'content-type': 'application/json' };
  const project = await insertProject(t.database);

  const cases = [
    { name: 'POST /v1/contractors (1 MiB)', method: 'POST', path: '/v1/contractors', limit: MiB },
    { name: 'PUT /v1/projects/{id}/workers JSON (8 MiB)', method: 'PUT', path: `/v1/projects/${project.id}/workers`, limit: 8 * MiB, prefix: '"workers":[]' },
    { name: 'POST /v1/memberships/import JSON (8 MiB)', method: 'POST', path: '/v1/memberships/import', limit: 8 * MiB, prefix: '"records":[]' },
  ];
  it.each(cases)('$name: a body of exactly the limit is read (422), one byte more is 413', async ({ method, path, limit, prefix }) => {
    const atLimit = jsonOfSize(limit, prefix);
    expect(Buffer.byteLength(atLimit)).toBe(limit);
    const read = await send(port, method, path, admin, atLimit);
    expectProblem(read, 422, 'VALIDATION_FAILED'); // read and validated: `pad` is not a field
    const over = await send(port, method, path, admin, jsonOfSize(limit + 1, prefix));
    expectProblem(over, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('takes more than 1 MiB of JSON only where the contract says 8 MiB', async () => {
    const twoMiB = jsonOfSize(2 * MiB, '"workers":[]');
    expectProblem(await send(port, 'PUT', `/v1/projects/${project.id}/workers`, admin, twoMiB), 422, 'VALIDATION_FAILED');
    expectProblem(await send(port, 'POST', '/v1/opds', admin, twoMiB), 413, 'PAYLOAD_TOO_LARGE');
  });

  // Sending 512 MiB is not worth a test run: a declared length over the cap is refused before the
  // body is read, and a body that lies about (or omits) its length is stopped by the byte counter
  // (streaming.ts cappedChunks; unit-tested with a small cap in memberships.test.ts).
  it.each([
    { name: 'PUT /v1/projects/{id}/workers', method: 'PUT', path: `/v1/projects/${project.id}/workers` },
    { name: 'POST /v1/memberships/import', method: 'POST', path: '/v1/memberships/import' },
  ])('$name: a CSV declaring more than 512 MiB is refused with 413 at once, and the connection closed', async ({ method, path }) => {
    const started = performance.now();
    const res = await new Promise<Answer>((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1', port, path, method,
        headers: { authorization: admin.authorization, 'content-type': 'text/csv', 'content-length': String(512 * MiB + 1) },
      }, (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (body += c));
        r.on('end', () => resolve({ statusCode: r.statusCode ?? 0, headers: r.headers, body }));
      });
      req.on('error', reject);
      req.write('nik,name,kpj,role,startDate,endDate\n');
    });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect(res.headers.connection).toBe('close');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('answers a request declaring more than 1 MiB of JSON at once, without waiting for the body', async () => {
    const res = await declaredOnly(port, '/v1/opds', admin, 5 * MiB, '{"code":"');
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('timeouts (shrunk)', async () => {
  // As in production: ordinary budget < upstream deadline < upstream budget < idle timeout < request timeout.
  const DEADLINE_MS = 600;
  const limits: Partial<LimitSettings> = {
    headersTimeoutMs: 400,
    handlerTimeoutMs: 500,
    upstreamHandlerTimeoutMs: 1_000,
    idleTimeoutMs: 1_200,
    requestTimeoutMs: 2_500,
    lingerMs: 300,
    timeoutCheckIntervalMs: 100,
  };
  // A live-looking provider that uses its whole deadline and learns nothing.
  const slowUpstream = fakeHttpProvider({
    refreshMemberships: async (niks, deadline) => {
      await sleep(Math.max(0, deadline.getTime() - Date.now()));
      return { refreshed: [], notFound: [], failed: [...niks] };
    },
  });
  const a = await limitedApp(limits, {
    env: { BPJS_PROVIDER: 'http', BPJS_API_URL: 'http://127.0.0.1:9/', BPJS_API_KEY: 'test', BPJS_DEADLINE_MS: String(DEADLINE_MS) },
    provider: slowUpstream,
    routes: (app) => {
      app.get('/v1/test/slow-failure', { config: { roles: ['admin'] } }, async () => {
        await sleep(800);
        throw new Error('failed after the budget');
      });
    },
  });
  const admin = await a.auth('admin');
  const authLine = `authorization: ${admin.authorization}\r\n`;

  /** Runs `work` while another transaction holds the lock `lockSql` takes; released afterwards. */
  async function whileLocked<T>(lockSql: string, work: () => Promise<T>): Promise<T> {
    const locker = new pg.Client({ connectionString: await testDatabaseUrl() });
    locker.on('error', () => {});
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query(lockSql);
      return await work();
    } finally {
      await locker.query('commit').catch(() => {});
      await locker.end().catch(() => {});
    }
  }

  it('cuts off a client that sends its headers too slowly (408 problem+json)', async () => {
    const r = await slowClient(a.port, { start: 'GET /v1/opds HTTP/1.1\r\nhost: x\r\n', trickle: 'x-slow: 1\r\n', everyMs: 50 });
    expect(r.answer && expectProblem(r.answer, 408, 'REQUEST_TOO_SLOW')).toBeTruthy();
    expect(r.answer!.headers.connection).toBe('close');
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(380);
    expect(r.closedAfterMs).toBeLessThan(1_000); // 400 ms + one 100 ms check + slack
  });

  it('answers over-long headers 431 and unreadable HTTP 400, as problem+json', async () => {
    const big = await slowClient(a.port, { start: `GET /v1/opds HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n` });
    expect(big.answer && expectProblem(big.answer, 431, 'HEADERS_TOO_LARGE')).toBeTruthy();
    const garbage = await slowClient(a.port, { start: 'HELLO THERE\r\n\r\n' });
    expect(garbage.answer && expectProblem(garbage.answer, 400, 'MALFORMED_REQUEST')).toBeTruthy();
  });

  it('answers a JSON body that trickles in with 503 REQUEST_TIMEOUT at the route budget, then closes', async () => {
    const r = await slowClient(a.port, {
      start: `POST /v1/opds HTTP/1.1\r\nhost: x\r\n${authLine}content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"code":"`,
      trickle: 'x', everyMs: 50,
    });
    expect(r.answer && expectProblem(r.answer, 503, 'REQUEST_TIMEOUT')).toBeTruthy();
    expect(r.answer!.headers['retry-after']).toBe('5');
    expect(r.answeredAfterMs!).toBeGreaterThanOrEqual(480);
    expect(r.answeredAfterMs!).toBeLessThan(900);
    // The rest of the body may linger 300 ms; well before the 2.5 s request timeout the socket is gone.
    expect(r.closedAfterMs).toBeLessThan(1_400);
  });

  it('lets a streamed import trickle past the handler budget, and cuts it at the request timeout (408)', async () => {
    const r = await slowClient(a.port, {
      start: `POST /v1/memberships/import HTTP/1.1\r\nhost: x\r\n${authLine}content-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n`,
      trickle: '1\r\n \r\n', everyMs: 50, // one-byte chunks of blank space
    });
    expect(r.answer && expectProblem(r.answer, 408, 'REQUEST_TOO_SLOW')).toBeTruthy();
    expect(r.answeredAfterMs!).toBeGreaterThanOrEqual(2_400);
    expect(r.closedAfterMs).toBeLessThan(3_100);
  });

  it('closes a streamed upload that stalls (idle timeout)', async () => {
    const r = await slowClient(a.port, {
      start: `POST /v1/memberships/import HTTP/1.1\r\nhost: x\r\n${authLine}content-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n1\r\n \r\n`,
    });
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(1_150);
    expect(r.closedAfterMs).toBeLessThan(1_800);
  });

  it('answers a slow handler 503 REQUEST_TIMEOUT at its budget; its late failure is only a warning', async () => {
    const started = performance.now();
    const res = await a.app.inject({ url: '/v1/test/slow-failure', headers: admin });
    const ms = performance.now() - started;
    expectProblem(res as unknown as Answer, 503, 'REQUEST_TIMEOUT');
    expect(res.headers['retry-after']).toBe('5');
    expect(ms).toBeGreaterThanOrEqual(480);
    expect(ms).toBeLessThan(800);
    await sleep(500); // the handler fails at 800 ms
    expect(a.logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
    expect(a.logs.map((l) => l.msg)).toContain('request failed after its time budget ran out');
  });

  it('gives a decision its own budget (BPJS_DEADLINE_MS + 5 s by default): waiting the whole deadline is no timeout', async () => {
    const project = await insertProject(a.database);
    await insertWorker(a.database, project.id);
    const started = performance.now();
    const res = await a.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...(await a.auth('finance')), 'idempotency-key': 'slow-upstream-1' },
      payload: decisionBody(project),
    });
    const ms = performance.now() - started;
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().reasons.map((r: { code: string }) => r.code)).toContain('MEMBERSHIP_UNVERIFIED');
    expect(ms).toBeGreaterThan(DEADLINE_MS - 100); // longer than the 500 ms of an ordinary route

    // Its own budget (here 1 s) still holds when the decision is stuck behind a lock; the decision
    // then completes anyway, and a retry with the same key gets it. Over a real socket: a request
    // with a body is where Fastify's own handlerTimeout fails (fastify/fastify#6725).
    const headers = { ...(await a.auth('finance')), 'idempotency-key': 'stuck-behind-lock' };
    const payload = decisionBody(project, { stage: 'TERMIN_2' });
    const stuck = performance.now();
    const cut = await whileLocked(`select 1 from projects where id = '${project.id}' for update`, () =>
      send(a.port, 'POST', '/v1/disbursements', { ...headers, 'content-type': 'application/json' }, JSON.stringify(payload)));
    const cutMs = performance.now() - stuck;
    expectProblem(cut, 503, 'REQUEST_TIMEOUT');
    expect(cut.headers['retry-after']).toBe('5');
    expect(cutMs).toBeGreaterThanOrEqual(950);
    expect(cutMs).toBeLessThan(1_500);
    let replay = await a.app.inject({ method: 'POST', url: '/v1/disbursements', headers, payload });
    for (let i = 0; replay.statusCode === 409 && i < 40; i++) {
      await sleep(50);
      replay = await a.app.inject({ method: 'POST', url: '/v1/disbursements', headers, payload });
    }
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('keeps the connection of an import whose body is in while our own work outlasts the idle timeout', async () => {
    // Another transaction holds the memberships table, so the import's merge waits 1.6 s in silence.
    const record = {
      nik: newNik(), kpj: '21234567890', name: 'Pekerja Impor', status: 'ACTIVE', programs: ['JKK', 'JKM'],
      coverageStart: '2025-07-01', coverageEnd: '2026-06-30', segment: 'BPU', asOf: '2025-09-14T00:00:00Z',
    };
    const started = performance.now();
    let answer: Promise<Answer> | undefined;
    await whileLocked('lock table memberships in exclusive mode', async () => {
      answer = send(a.port, 'POST', '/v1/memberships/import', { ...admin, 'content-type': 'application/x-ndjson' }, `${JSON.stringify(record)}\n`);
      answer.catch(() => {});
      await sleep(1_600);
    });
    const res = await answer!;
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ received: 1, inserted: 1 });
    expect(performance.now() - started).toBeGreaterThan(1_550); // longer than the 1.2 s idle timeout
  });

  it('logged nothing at level error for any of the above, and no cut-off upload as a database fault', () => {
    expect(a.logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(a.logs.map((l) => l.msg)).not.toContain('database unavailable');
  });
});

describe('shedding load when the event loop is saturated (@fastify/under-pressure)', async () => {
  const a = await limitedApp({ maxEventLoopDelayMs: 40, pressureSampleMs: 50 });
  const admin = await a.auth('admin');

  it('answers 503 OVERLOADED with Retry-After while saturated, keeps /healthz and /readyz up, and recovers', async () => {
    // Saturate: 80 ms blocks back to back for 1.2 s, as a CPU-bound flood would.
    const until = performance.now() + 1_200;
    let burning = true;
    const burn = () => {
      const end = performance.now() + 80;
      while (performance.now() < end);
      if (performance.now() < until) setImmediate(burn);
      else burning = false;
    };
    setImmediate(burn);
    const seen: Array<{ url: string; res: Answer }> = [];
    while (burning) {
      for (const url of ['/v1/opds', '/healthz', '/readyz']) {
        seen.push({ url, res: (await a.app.inject({ url, headers: admin })) as unknown as Answer });
      }
    }
    const shed = seen.filter((s) => s.url === '/v1/opds' && s.res.statusCode === 503);
    expect(shed.length, 'requests shed while saturated').toBeGreaterThan(0);
    const problem = expectProblem(shed[0]!.res, 503, 'OVERLOADED');
    expect(problem.title).toBe('Layanan sedang kelebihan beban');
    expect(shed[0]!.res.headers['retry-after']).toBe('5');
    for (const s of seen.filter((x) => x.url !== '/v1/opds')) expect(s.res.statusCode, s.url).toBe(200);
    expect(seen.filter((s) => s.url === '/v1/opds').every((s) => [200, 503].includes(s.res.statusCode))).toBe(true);

    // A few quiet samples later the API answers again.
    let recovered = false;
    for (const stop = performance.now() + 3_000; !recovered && performance.now() < stop; await sleep(50)) {
      recovered = (await a.app.inject({ url: '/v1/opds', headers: admin })).statusCode === 200;
    }
    expect(recovered).toBe(true);
  });
});

describe('roster cap and fields a caller may not set', async () => {
  const t = await buildTestApp({ clock });
  const admin = await t.auth('admin');
  const dpupr = await t.auth('opd', { opd: 'DPUPR' });

  it('refuses a 10,001st active worker added one at a time (422), and takes one again after one leaves', async () => {
    const project = await insertProject(t.database);
    await query(t.database, `insert into assignments (project_id, nik, name, kpj, role, start_date)
      select '${project.id}', '3171' || lpad(g::text, 12, '0'), 'Pekerja ' || g, null, 'TUKANG', '2025-07-01' from generate_series(1, 10000) g`);
    const url = `/v1/projects/${project.id}/workers`;
    const worker = () => ({ nik: newNik(), name: 'Pekerja Baru', role: 'TUKANG', startDate: '2025-09-01' });
    const refused = await t.app.inject({ method: 'POST', url, headers: dpupr, payload: worker() });
    const problem = expectProblem(refused as unknown as Answer, 422, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'nik', message: expect.stringMatching(/jumlah maksimum 10000 pekerja aktif/) })]);

    const [one] = await query<{ id: string }>(t.database, `select id from assignments where project_id = '${project.id}' limit 1`);
    expect((await t.app.inject({ method: 'DELETE', url: `${url}/${one!.id}`, headers: dpupr })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url, headers: dpupr, payload: worker() })).statusCode).toBe(201);
  });

  it('refuses a disbursement request that sets the decision or other computed fields, and stores nothing', async () => {
    const project = await insertProject(t.database); // no workers: the gate itself would block (EMPTY_ROSTER)
    const finance = await t.auth('finance');
    const key = 'caller-sets-decision';
    for (const [field, value] of [['decision', 'APPROVED'], ['id', '00000000-0000-4000-8000-000000000001'], ['decidedAt', '2025-09-15T03:00:00Z'], ['auditSeq', 1], ['voided', null], ['reasons', []]] as const) {
      const res = await t.app.inject({
        method: 'POST', url: '/v1/disbursements', headers: { ...finance, 'idempotency-key': key }, payload: decisionBody(project, { [field]: value }),
      });
      const problem = expectProblem(res as unknown as Answer, 422, 'VALIDATION_FAILED');
      expect(JSON.stringify(problem.errors), field).toContain(field);
    }
    expect(await query(t.database, `select 1 from idempotency_keys where key = '${key}'`)).toEqual([]);
    const honest = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...finance, 'idempotency-key': key }, payload: decisionBody(project) });
    expect(honest.statusCode, honest.body).toBe(201);
    expect(honest.json().decision).toBe('BLOCKED');
  });

  it('refuses an OPD user moving a project to another OPD (422, nothing changed); admin may', async () => {
    const project = await insertProject(t.database, { opdCode: 'DPUPR' });
    const url = `/v1/projects/${project.id}`;
    const moved = await t.app.inject({ method: 'PATCH', url, headers: dpupr, payload: { opdCode: 'DINKES', name: 'Nama Baru Paket' } });
    const problem = expectProblem(moved as unknown as Answer, 422, 'VALIDATION_FAILED');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'opdCode' })]);
    const stored = (await t.app.inject({ url, headers: admin })).json();
    expect(stored).toMatchObject({ opdCode: 'DPUPR', name: `Paket ${project.code}` });

    // Its own OPD code, unchanged, is no change at all.
    expect((await t.app.inject({ method: 'PATCH', url, headers: dpupr, payload: { opdCode: 'DPUPR', name: 'Nama Baru Paket' } })).statusCode).toBe(200);
    const byAdmin = await t.app.inject({ method: 'PATCH', url, headers: admin, payload: { opdCode: 'DINKES' } });
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    expect(byAdmin.json().opdCode).toBe('DINKES');
  });

  it('refuses id, createdAt or updatedAt in a new project (422) and creates nothing', async () => {
    const contractor = await createContractor(t);
    for (const [field, value] of [['id', '00000000-0000-4000-8000-000000000002'], ['createdAt', '2020-01-01T00:00:00Z'], ['updatedAt', '2020-01-01T00:00:00Z']] as const) {
      const code = uniqueCode('FIELD');
      const res = await t.app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: projectPayload({ code, contractorId: contractor.id, [field]: value }) });
      const problem = expectProblem(res as unknown as Answer, 422, 'VALIDATION_FAILED');
      expect(JSON.stringify(problem.errors), field).toContain(field);
      expect(await query(t.database, `select 1 from projects where code = '${code}'`)).toEqual([]);
    }
  });
});
