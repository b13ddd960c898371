import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { openPostgres } from '../src/db/client.ts';
import { loggerOptions } from '../src/http/logging.ts';
import { buildTestApp } from './helpers/app.ts';
import { testDatabaseUrl } from './helpers/database.ts';
import { makeTestKeys } from './helpers/keys.ts';

// A valid NIK (Palembang, born 12-05-1990, serial 0001) and a name: neither may reach a log line.
const NIK = '1671011205900001';
const NAME = 'Siti Nurhaliza Ramadhani';

const problemOf = (res: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) => {
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  return res.json() as { status: number; code: string; detail: string; title: string };
};

/** The real app with its real logger options at trace level, writing into `lines`. */
async function appWithCapturedLogs() {
  const lines: string[] = [];
  const url = await testDatabaseUrl();
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'trace' });
  const logger = pino(loggerOptions('trace'), { write: (line: string) => void lines.push(line) });
  const database = await openPostgres({ url, logger, max: 2 });
  const testKeys = await makeTestKeys();
  const app = await buildApp({ config, database, keys: testKeys.keys, logger });
  const token = (roles: string[]) =>
    mintToken(testKeys.idpJwk, { sub: 'ops-test', roles }, { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: 'roles', opdClaim: 'opd' });
  return { app, database, lines, token };
}

describe('operations', async () => {
  const t = await buildTestApp();
  const admin = await t.auth('admin');

  it('answers /healthz and /readyz without a token', async () => {
    const health = await t.app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', database: 'ok', host: expect.stringMatching(/^127\.0\.0\.1:\d+$/), migrations: 'ok' });
  });

  it('echoes x-request-id on every kind of response, and makes one up when absent or unusable', async () => {
    const requests = [
      { method: 'GET' as const, url: '/healthz' },
      { method: 'GET' as const, url: '/v1/opds' }, // 401
      { method: 'GET' as const, url: '/v1/opds', headers: admin }, // 200
      { method: 'GET' as const, url: '/v1/nowhere' }, // 404
      { method: 'POST' as const, url: '/v1/opds', headers: admin, payload: { code: '' } }, // 422
    ];
    for (const r of requests) {
      const echoed = await t.app.inject({ ...r, headers: { ...r.headers, 'x-request-id': 'spm-2026-000123' } });
      expect(echoed.headers['x-request-id'], r.url).toBe('spm-2026-000123');
      const made = await t.app.inject(r);
      expect(made.headers['x-request-id'], r.url).toMatch(/^[0-9a-f-]{36}$/);
    }
    // A header that could forge log lines (spaces, newlines, over 200 characters) is replaced.
    for (const bad of ['two words', 'x'.repeat(201)]) {
      const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': bad } });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers 413 for a JSON body over 1 MiB on a normal route, and not just under it', async () => {
    const over = await t.app.inject({ method: 'POST', url: '/v1/opds', headers: admin, payload: { code: 'BIG', name: 'x'.repeat(1024 * 1024) } });
    expect(over.statusCode).toBe(413);
    expect(problemOf(over)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    const under = await t.app.inject({ method: 'POST', url: '/v1/opds', headers: admin, payload: { code: 'BIG', name: 'x'.repeat(1024 * 1024 - 100) } });
    expect(under.statusCode).toBe(422); // read and validated: the name is too long, not the body
  });

  it('answers 415 for a content type the route does not take', async () => {
    for (const type of ['text/plain', 'application/xml']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/opds', headers: { ...admin, 'content-type': type }, payload: 'code=X' });
      expect(res.statusCode, type).toBe(415);
      expect(problemOf(res)).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
  });

  it('answers in English when asked, with the same code', async () => {
    const id = problemOf(await t.app.inject({ url: '/v1/opds' }));
    const en = problemOf(await t.app.inject({ url: '/v1/opds', headers: { 'accept-language': 'en-US,en;q=0.9' } }));
    expect(en.code).toBe(id.code);
    expect(en.title).toBe('Missing or invalid access token');
    expect(id.title).not.toBe(en.title);
  });

  describe('when the database is gone', async () => {
    const c = await appWithCapturedLogs();
    c.app.get('/test/failing-query', async () => {
      // A query that fails with personal data in its parameters and in PostgreSQL's message.
      await c.database.db.execute(sql`select ${NIK}::int as n, ${NAME}::int as m`);
      return { ok: true };
    });
    await c.app.ready();
    const headers = { authorization: `Bearer ${await c.token(['admin'])}` };
    afterAll(async () => {
      await c.app.close();
      if (!c.database.pool.ended) await c.database.close();
    });

    it('answers 500 INTERNAL_ERROR without SQL, stack or values when a query fails', async () => {
      const res = await c.app.inject({ url: '/test/failing-query', headers });
      expect(res.statusCode).toBe(500);
      const body = problemOf(res);
      expect(body.code).toBe('INTERNAL_ERROR');
      expect(res.body).not.toMatch(/select|::int|params|at .*\.ts|invalid input/i);
      expect(res.body).not.toContain(NIK);
      // The error is logged for operators, without the personal data in the query's parameters.
      const logged = c.lines.join('');
      expect(logged).toMatch(/unhandled error/);
      expect(logged).not.toContain(NIK);
      expect(logged).not.toContain(NAME);
    });

    it('answers 503 DATABASE_UNAVAILABLE with Retry-After, and /readyz 503, once the pool is closed', async () => {
      await c.database.close();
      const res = await c.app.inject({ url: '/v1/opds', headers });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      const body = problemOf(res);
      expect(body.code).toBe('DATABASE_UNAVAILABLE');
      expect(res.body).not.toMatch(/pool|select|stack|\.ts/i);
      const ready = await c.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'unavailable', database: 'down' });
      const live = await c.app.inject({ url: '/healthz' });
      expect(live.statusCode).toBe(200);
    });
  });

  describe('logs', async () => {
    const c = await appWithCapturedLogs();
    // Logging the way a hurried feature might: the whole body, one worker, or the headers.
    c.app.post('/test/careless-logging', { config: { public: true } }, async (request) => {
      const body = request.body as { workers: Array<{ nik: string; name: string }> };
      const worker = body.workers[0] as { nik: string; name: string };
      request.log.info({ body }, 'got a roster');
      request.log.info({ worker }, 'checking one worker');
      request.log.info({ workers: body.workers }, 'checking workers');
      request.log.info({ nik: worker.nik, name: worker.name }, 'flat fields');
      request.log.info({ headers: request.headers }, 'headers');
      return { ok: true };
    });
    await c.app.ready();
    const token = await c.token(['admin']);
    afterAll(async () => {
      await c.app.close();
      await c.database.close();
    });

    it('never hold a NIK, a name or the bearer token', async () => {
      const authorization = `Bearer ${token}`;
      const calls = [
        { method: 'POST' as const, url: '/test/careless-logging', payload: { workers: [{ nik: NIK, name: NAME }] } },
        { method: 'POST' as const, url: '/v1/memberships/search', payload: { niks: [NIK] } },
        {
          method: 'POST' as const,
          url: '/v1/memberships/import',
          payload: { records: [{ nik: NIK, kpj: '12345678901', name: NAME, status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2026-01-01', coverageEnd: '2026-12-31', segment: 'BPU', asOf: '2026-01-02T00:00:00Z' }] },
        },
        { method: 'POST' as const, url: '/v1/opds', payload: { code: NIK, name: NAME, extra: NIK } }, // 422
        { method: 'GET' as const, url: '/v1/opds' },
        // A NIK in a URL (which the API never asks for) is masked in the access log like any NIK.
        { method: 'GET' as const, url: `/v1/nothing/${NIK}` },
        { method: 'GET' as const, url: `/v1/projects?q=${NIK}` },
      ];
      for (const [i, call] of calls.entries()) {
        const res = await c.app.inject({ ...call, headers: { authorization, 'x-request-id': `log-test-${i}` } });
        expect(res.statusCode, `${call.url}: ${res.body}`).toBeLessThan(500);
      }
      const logged = c.lines.join('');
      // The capture works: every request left its lines, and the careless ones were written.
      for (const i of calls.keys()) expect(logged).toContain(`"log-test-${i}"`);
      expect(logged).toContain(`/v1/nothing/${NIK.slice(0, 6)}******${NIK.slice(12)}`);
      expect(logged).toContain('checking one worker');
      expect(logged).toContain('[redacted]');
      expect(logged).not.toContain(NIK);
      expect(logged).not.toContain(NAME);
      expect(logged).not.toContain(token);
      expect(logged).not.toContain(token.split('.')[2] as string);
    });
  });
});
