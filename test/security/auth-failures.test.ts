// Finding 5: failed token verifications are limited per client address (AUTH_FAILURES_PER_MINUTE);
// a token that verifies is never refused by that limit. With REDIS_URL the count is shared.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';

const fromAddress = (t: TestApp, remoteAddress: string, headers: Record<string, string>) =>
  t.app.inject({ method: 'GET', url: '/v1/opds', remoteAddress, headers });

describe('failed token verifications per address', async () => {
  // All apps are built here: the file's database lives as long as the block that first opened it.
  const t = await buildTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '3' } });
  // Two apps (as two replicas would be) on one database and one Redis. Every test run on this
  // machine shares that Redis, so the counters get a key prefix of this run's own.
  const limits = { redisPrefix: `test-${randomUUID()}:` };
  const env = { AUTH_FAILURES_PER_MINUTE: '3', REDIS_URL };
  const a = await buildTestApp({ env, limits });
  const b = await buildTestApp({ env, limits, testKeys: a.testKeys });

  it('answers 401 up to the limit, then 429 with Retry-After; a valid token still gets through', async () => {
    const address = '198.51.100.7';
    const attempts: Array<Record<string, string>> = [{ authorization: 'Bearer not-a-token' }, {}, { authorization: 'Bearer x.y.z' }];
    for (const headers of attempts) {
      expect((await fromAddress(t, address, headers)).statusCode).toBe(401);
    }
    const limited = await fromAddress(t, address, { authorization: 'Bearer not-a-token' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(limited.json().detail).toMatch(/verifikasi token/);
    // The same address with a token that verifies: never refused by this limit.
    for (let i = 0; i < 5; i++) expect((await fromAddress(t, address, await t.auth('finance'))).statusCode).toBe(200);
    // Another address has its own count.
    expect((await fromAddress(t, '198.51.100.8', { authorization: 'Bearer not-a-token' })).statusCode).toBe(401);
  });

  it('counts failures from one address across two apps sharing Redis', async () => {
    const address = '203.0.113.9';
    const bad = { authorization: 'Bearer not-a-token' };
    const answers = [];
    for (const t of [a, b, a, b, a]) answers.push((await fromAddress(t, address, bad)).statusCode);
    expect(answers).toEqual([401, 401, 401, 429, 429]);
    expect((await fromAddress(b, address, await a.auth('admin'))).statusCode).toBe(200);
  });
});
