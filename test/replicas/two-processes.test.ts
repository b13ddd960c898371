// Replicas: two real service processes (`node src/server.ts`) on one PostgreSQL database and one
// Redis, as they would run behind a load balancer. Requests split across them must behave as if
// one process served them all: one approval per stage, one decision per idempotency key, and one
// rate limit per token `sub`.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth-tokens.ts';
import { openPostgres } from '../../src/db/client.ts';
import { publicPart } from '../../src/keys.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { es256Jwk } from '../helpers/keys.ts';
import { startService, type ServiceProcess } from '../drills/service.ts';
import { count, decisionBody, insertCoveredWorker, insertProject, query } from '../disbursements/fixtures.ts';

const RATE = 30;

describe('two service processes on one database and one Redis', async () => {
  const url = await testDatabaseUrl();
  const database = await openPostgres({ url, logger: pino({ level: 'silent' }), max: 2 });
  // One identity provider and one set of service keys for both replicas, as in a real deployment.
  const dir = mkdtempSync(path.join(tmpdir(), 'gerbang-replicas-'));
  const idp = await es256Jwk('replica-idp');
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [publicPart(idp)] }));
  writeFileSync(path.join(dir, 'audit.json'), JSON.stringify(await es256Jwk('replica-audit')));
  const env = {
    AUTH_JWKS_FILE: path.join(dir, 'jwks.json'),
    AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit.json'),
    PSEUDONYM_KEY: randomBytes(32).toString('base64'),
    REDIS_URL: 'redis://127.0.0.1:6379',
    RATE_LIMIT_PER_MINUTE: String(RATE),
  };
  const services: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(services.map((s) => s.destroy()));
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });
    // Start-up is mostly module loading, which takes long on a machine busy with other test runs.
  const start = () => startService({ databaseUrl: url, env, readyTimeoutMs: 150_000 });
  services.push(...(await Promise.all([start(), start()])));
  const [a, b] = services as [ServiceProcess, ServiceProcess];

  // Every run on this machine shares the one Redis: subjects of this run's own keep counts apart.
  const token = (role: string, sub = `${role}-${randomUUID()}`) =>
    mintToken(idp, { sub, roles: [role] }, { issuer: 'gerbang-dev', audience: 'gerbang', rolesClaim: 'roles', opdClaim: 'opd' });
  const send = async (s: ServiceProcess, p: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) => {
    const res = await fetch(`${s.baseUrl}${p}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> & { reasons?: Array<{ code: string }> } };
  };

  /** A compliant project as of today (the processes use the real clock). */
  async function project() {
    const p = await insertProject(database, { startDate: '2025-07-01', registrationRecord: { asOf: new Date() } });
    for (let i = 0; i < 3; i++) await insertCoveredWorker(database, p, {}, { coverageEnd: '2199-12-31', asOf: new Date() });
    return p;
  }

  it('prints a plain-text start-up banner with the docs URL (JSON logs stay on stdout)', () => {
    for (const s of [a, b]) {
      expect(s.logs.some((l) => /^Gerbang is listening on http:\/\/localhost:\d+$/.test(l))).toBe(true);
      expect(s.logs.some((l) => /API docs \(Swagger UI\): +http:\/\/localhost:\d+\/docs$/.test(l))).toBe(true);
    }
  });

  it('approves a stage exactly once when 20 requests split across both processes race for it', async () => {
    const p = await project();
    const authorization = `Bearer ${await token('finance')}`;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      send(i % 2 === 0 ? a : b, '/v1/disbursements', { method: 'POST', headers: { authorization, 'idempotency-key': `race-${i}` }, body: decisionBody(p) })));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(201));
    const approved = answers.filter((r) => r.body.decision === 'APPROVED');
    expect(approved).toHaveLength(1);
    for (const r of answers.filter((x) => x.body.decision === 'BLOCKED')) expect(r.body.reasons?.map((x) => x.code)).toEqual(['STAGE_ALREADY_APPROVED']);
    expect(await count(database, 'approved_stages', `project_id = '${p.id}'`)).toBe(1);
    expect(await count(database, 'disbursements', `project_id = '${p.id}'`)).toBe(20);
  });

  it('makes one decision for one idempotency key sent to both processes at once', async () => {
    const p = await project();
    const authorization = `Bearer ${await token('finance')}`;
    const body = decisionBody(p, { stage: 'UANG_MUKA' });
    const headers = { authorization, 'idempotency-key': `same-${randomUUID()}` };
    const first = await Promise.all([a, b, a, b].map((s) => send(s, '/v1/disbursements', { method: 'POST', headers, body })));
    // One made it; the others replayed it or were told it was still being decided.
    expect(first.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of first.filter((x) => x.status !== 201)) expect([200, 409]).toContain(r.status);
    const id = first.find((r) => r.status === 201)?.body.id;
    for (const s of [a, b]) {
      const replay = await send(s, '/v1/disbursements', { method: 'POST', headers, body });
      expect(replay.status).toBe(200);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body.id).toBe(id);
    }
    expect(await count(database, 'disbursements', `project_id = '${p.id}'`)).toBe(1);
    const [stored] = await query<{ n: string }>(database, `select count(*)::text as n from idempotency_keys where key = '${headers['idempotency-key']}'`);
    expect(stored?.n).toBe('1');
  });

  it('shares the per-sub rate limit: RATE_LIMIT_PER_MINUTE requests in all, whichever process serves them', async () => {
    const authorization = `Bearer ${await token('inspector')}`;
    const statuses: number[] = [];
    for (let i = 0; i < RATE; i++) statuses.push((await send(i % 2 === 0 ? a : b, '/v1/opds', { headers: { authorization } })).status);
    expect(statuses).toEqual(Array(RATE).fill(200));
    for (const s of [a, b]) {
      const limited = await send(s, '/v1/opds', { headers: { authorization } });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Another subject is not affected.
    expect((await send(b, '/v1/opds', { headers: { authorization: `Bearer ${await token('inspector')}` } })).status).toBe(200);
  });
}, 180_000);
