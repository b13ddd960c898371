// Idempotency-Key semantics of POST /v1/disbursements, validation, and who may ask.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { advisoryLockKey } from '../../src/disbursements/idempotency.ts';
import { buildTestApp } from '../helpers/app.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { clock, compliantProject, count, decisionBody, fakeHttpProvider, writeCounts } from './fixtures.ts';

const post = (headers: Record<string, string>, payload: unknown) => ({ method: 'POST' as const, url: '/v1/disbursements', headers, payload: payload as Record<string, unknown> });

describe('POST /v1/disbursements: idempotency and validation', async () => {
  // The provider is the only thing before the transaction that can be made to wait.
  let release: () => void = () => {};
  let entered: () => void = () => {};
  const provider = fakeHttpProvider({
    refreshMemberships: async (niks) => {
      entered();
      await new Promise<void>((resolve) => { release = resolve; });
      return { refreshed: [], notFound: [], failed: [...niks] };
    },
  });
  const t = await buildTestApp({ clock });
  const slow = await buildTestApp({ clock, provider, testKeys: t.testKeys });
  const { project } = await compliantProject(t.database, 2);
  const finance = await t.auth('finance');

  it('replays the same key and body with 200, the stored decision and Idempotent-Replayed', async () => {
    const body = decisionBody(project, { stage: 'TERMIN_1' });
    const first = await t.app.inject(post({ ...finance, 'idempotency-key': 'replay-1' }, body));
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await t.app.inject(post({ ...finance, 'idempotency-key': 'replay-1' }, { ...body }));
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await count(t.database, 'disbursements', `request_ref = '${body.requestRef}'`)).toBe(1);
    // Key order does not matter: the body is compared canonically.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expect((await t.app.inject(post({ ...finance, 'idempotency-key': 'replay-1' }, reordered))).statusCode).toBe(200);
  });

  it('refuses the same key with another body (422) and scopes keys per token sub', async () => {
    const body = decisionBody(project, { stage: 'TERMIN_2' });
    expect((await t.app.inject(post({ ...finance, 'idempotency-key': 'reuse-1' }, body))).statusCode).toBe(201);
    const other = await t.app.inject(post({ ...finance, 'idempotency-key': 'reuse-1' }, { ...body, amount: body.amount + 1 }));
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Another client may use the same key string for its own request.
    const otherSub = await t.auth('finance', { sub: 'finance-other' });
    const theirs = await t.app.inject(post({ ...otherSub, 'idempotency-key': 'reuse-1' }, { ...body, stage: 'TERMIN_3' }));
    expect(theirs.statusCode).toBe(201);
  });

  it('answers 409 IDEMPOTENCY_IN_PROGRESS while the same key is being decided in this process', async () => {
    const body = decisionBody(project, { stage: 'TERMIN_4' });
    // A stale worker makes the (slow) provider run before the transaction.
    await t.database.db.execute(`update memberships set as_of = '2025-09-01T00:00:00Z' where nik in (select nik from assignments where project_id = '${project.id}')` as never);
    const inside = new Promise<void>((resolve) => { entered = resolve; });
    const first = slow.app.inject(post({ ...finance, 'idempotency-key': 'busy-1' }, body));
    await inside;
    const second = await slow.app.inject(post({ ...finance, 'idempotency-key': 'busy-1' }, body));
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('IDEMPOTENCY_IN_PROGRESS');
    release();
    const done = await first;
    expect(done.statusCode).toBe(201);
    // The registration's imported record is fresh; only the memberships the slow provider never refreshed are not.
    expect(done.json().reasons.map((r: { code: string }) => r.code)).toEqual(['MEMBERSHIP_UNVERIFIED']);
    expect((await slow.app.inject(post({ ...finance, 'idempotency-key': 'busy-1' }, body))).statusCode).toBe(200);
    await t.database.db.execute(`update memberships set as_of = '2025-09-15T00:00:00Z' where nik in (select nik from assignments where project_id = '${project.id}')` as never);
  });

  it('answers 409 while another transaction (another instance) holds the key', async () => {
    const client = new pg.Client({ connectionString: await testDatabaseUrl() });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('select pg_advisory_xact_lock($1::bigint)', [advisoryLockKey('finance-user', 'elsewhere-1').toString()]);
      const res = await t.app.inject(post({ ...finance, 'idempotency-key': 'elsewhere-1' }, decisionBody(project, { stage: 'TERMIN_5' })));
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('IDEMPOTENCY_IN_PROGRESS');
      expect(res.headers['retry-after']).toBe('1');
      await client.query('commit');
    } finally {
      await client.end();
    }
    expect((await t.app.inject(post({ ...finance, 'idempotency-key': 'elsewhere-1' }, decisionBody(project, { stage: 'TERMIN_5' })))).statusCode).toBe(201);
  });

  it('requires a printable ASCII Idempotency-Key of 1..255 characters (400)', async () => {
    const body = decisionBody(project, { stage: 'TERMIN_6' });
    for (const headers of [finance, { ...finance, 'idempotency-key': 'x'.repeat(256) }, { ...finance, 'idempotency-key': 'kunci\u00e9' }]) {
      const res = await t.app.inject(post(headers, body));
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    }
    // Checked before the body: no key and a broken body is still the 400.
    expect((await t.app.inject(post(finance, { decision: 'APPROVED' }))).statusCode).toBe(400);
    expect((await t.app.inject(post({ ...finance, 'idempotency-key': 'k'.repeat(255) }, body))).statusCode).toBe(201);
  });

  it('stores nothing for a request that fails validation, so the key stays free', async () => {
    const before = await writeCounts(t.database);
    const key = { ...finance, 'idempotency-key': 'invalid-then-valid' };
    const bad: Array<[Record<string, unknown>, string[]]> = [
      [{ ...decisionBody(project), decision: 'APPROVED' }, ['decision']],
      [{ ...decisionBody(project), projectCode: 'X' }, ['projectId']],
      [{ amount: -1, requestRef: '', stage: 'TERMIN_0' }, ['projectId', 'stage', 'amount', 'requestRef']],
      [decisionBody(project, { stage: 'termin_1', valueDate: '2025-02-30', final: 'yes' }), ['stage', 'valueDate', 'final']],
      [decisionBody(project, { amount: 1e15 + 1, requestRef: 'line\nbreak' }), ['amount', 'requestRef']],
      [decisionBody(project, { valueDate: '2025-09-14' }), ['valueDate']],
    ];
    for (const [payload, paths] of bad) {
      const res = await t.app.inject(post(key, payload));
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      // An unknown field is reported on the body, naming the field.
      const reported = res.json().errors.map((e: { path: string; message: string }) => `${e.path}: ${e.message}`).join('\n');
      for (const path of paths) expect(reported).toMatch(new RegExp(`^${path}|${path}"`, 'm'));
    }
    const unknown = await t.app.inject(post(key, decisionBody({ id: '00000000-0000-4000-8000-000000000000' })));
    expect(unknown.statusCode).toBe(404);
    const broken = await t.app.inject({ ...post(key, '{"projectId":'), headers: { ...key, 'content-type': 'application/json' } });
    expect(broken.statusCode).toBe(400);
    expect(await writeCounts(t.database)).toEqual(before);
    expect((await t.app.inject(post(key, decisionBody(project, { stage: 'TERMIN_7' })))).statusCode).toBe(201);
  });

  it('lets finance and admin request; opd and inspector get 403, no token 401', async () => {
    for (const role of ['opd', 'inspector'] as const) {
      const res = await t.app.inject(post({ ...(await t.auth(role)), 'idempotency-key': `role-${role}` }, decisionBody(project, { stage: 'TERMIN_8' })));
      expect(res.statusCode).toBe(403);
    }
    const anon = await t.app.inject(post({ 'idempotency-key': 'anon' }, decisionBody(project, { stage: 'TERMIN_8' })));
    expect(anon.statusCode).toBe(401);
    // A small amount: this project has had several stages approved already (change 12 caps the total).
    const admin = await t.app.inject(post({ ...(await t.auth('admin')), 'idempotency-key': 'role-admin' }, decisionBody(project, { stage: 'TERMIN_8', amount: 1_000_000 })));
    expect(admin.statusCode).toBe(201);
    // Admin sees full NIKs in the decision; finance would see them masked.
    expect(admin.json().decision).toBe('APPROVED');
  });
});
