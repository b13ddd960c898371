import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.ts';
import { buildTestApp } from './helpers/app.ts';
import { contractorPayload, createContractor, uniqueNib, validNpwp } from './helpers/factories.ts';

// 15-digit NPWP written the usual way, dots and dash included.
const dotted = (npwp: string) => `${npwp.slice(0, 2)}.${npwp.slice(2, 5)}.${npwp.slice(5, 8)}.${npwp[8]}-${npwp.slice(9, 12)}.${npwp.slice(12)}`;
// A sole trader's 16-digit NPWP is their NIK (Palembang, a woman born 15-05-1990).
const NIK_NPWP = '1671015505900001';

describe('contractors', async () => {
  const t = await buildTestApp();
  const auditRows = (entityId: string) =>
    rows<{ action: string; entity_id: string; data: Record<string, unknown> }>(t.database.db, sql`select action, entity_id, data from audit_events where entity_id = ${entityId} order by seq`);

  it('lets an admin register a contractor, normalising the NPWP, with its audit event', async () => {
    const npwp = validNpwp();
    const payload = contractorPayload({ name: '  PT Musi Jaya Abadi ', npwp: dotted(npwp) });
    const res = await t.app.inject({ method: 'POST', url: '/v1/contractors', headers: await t.auth('admin'), payload });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.any(String), name: 'PT Musi Jaya Abadi', nib: payload.nib, npwp, bpjsEmployerNumber: payload.bpjsEmployerNumber, createdAt: expect.any(String),
    });
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
    const events = await auditRows(body.id);
    expect(events).toEqual([{ action: 'contractor.created', entity_id: body.id, data: { name: 'PT Musi Jaya Abadi', nib: payload.nib, npwp, bpjsEmployerNumber: payload.bpjsEmployerNumber } }]);
  });

  it('makes bpjsEmployerNumber optional (null when absent)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/contractors', headers: await t.auth('admin'), payload: { name: 'CV Ampera', nib: uniqueNib(), npwp: validNpwp() } });
    expect(res.statusCode).toBe(201);
    expect(res.json().bpjsEmployerNumber).toBeNull();
  });

  it('answers a duplicate NIB with 409 CONTRACTOR_EXISTS, also when two requests race, and audits only the winner', async () => {
    const headers = await t.auth('admin');
    const nib = uniqueNib();
    const [a, b] = await Promise.all([1, 2].map(() => t.app.inject({ method: 'POST', url: '/v1/contractors', headers, payload: contractorPayload({ nib }) })));
    expect([a?.statusCode, b?.statusCode].sort()).toEqual([201, 409]);
    const loser = a?.statusCode === 409 ? a : b;
    expect(loser?.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(loser?.json().code).toBe('CONTRACTOR_EXISTS');
    const events = await rows(t.database.db, sql`select 1 from audit_events where action = 'contractor.created' and data->>'nib' = ${nib}`);
    expect(events).toHaveLength(1);
  });

  it('lists every problem of a bad body at once (422 with paths)', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/contractors', headers: await t.auth('admin'),
      payload: { name: 'x', nib: '12345', npwp: '01.312.166.1-091.000', bpjsEmployerNumber: 'NPP-1', extra: true },
    });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    const paths = body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'nib', 'npwp', 'bpjsEmployerNumber', 'body']));
    expect(body.errors.find((e: { path: string }) => e.path === 'npwp').message).toMatch(/NPWP_CHECK_DIGIT/);
    expect(body.errors.find((e: { path: string }) => e.path === 'nib').message).toMatch(/NIB_LENGTH/);
  });

  it('lets only admin create (403 for the others, 401 without a token)', async () => {
    for (const role of ['opd', 'finance', 'inspector'] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/contractors', headers: await t.auth(role), payload: contractorPayload() });
      expect(res.statusCode, role).toBe(403);
    }
    const anon = await t.app.inject({ method: 'POST', url: '/v1/contractors', payload: contractorPayload() });
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toBe('Bearer');
  });

  it('lets every role read a contractor; unknown id is 404, a malformed id 422', async () => {
    const created = await createContractor(t);
    for (const role of ['admin', 'inspector', 'opd', 'finance'] as const) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/contractors/${created.id}`, headers: await t.auth(role) });
      expect(res.statusCode, role).toBe(200);
      expect(res.json()).toEqual(created);
    }
    const missing = await t.app.inject({ method: 'GET', url: '/v1/contractors/00000000-0000-4000-8000-000000000000', headers: await t.auth('opd') });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    const bad = await t.app.inject({ method: 'GET', url: '/v1/contractors/not-a-uuid', headers: await t.auth('opd') });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors[0].path).toBe('params.id');
  });

  it('shows a NIK-form NPWP in full to admin but masked to finance, and keeps it out of the audit log', async () => {
    const created = await createContractor(t, { npwp: NIK_NPWP });
    expect(created.npwp).toBe(NIK_NPWP);
    const asFinance = await t.app.inject({ method: 'GET', url: `/v1/contractors/${created.id}`, headers: await t.auth('finance') });
    expect(asFinance.json().npwp).toBe('167101******0001');
    const [event] = await auditRows(created.id);
    expect(JSON.stringify(event)).not.toContain(NIK_NPWP);
    expect(event?.data.npwpPseudonym).toMatch(/^[0-9a-f]{64}$/);
  });

  it('searches by name or NIB prefix and pages with a cursor in a stable order', async () => {
    const tag = `Palembang${Date.now()}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createContractor(t, { name: `CV ${tag} ${i}` }));
    const headers = await t.auth('opd');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/contractors?q=${encodeURIComponent(tag.toLowerCase())}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await t.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((c: { id: string }) => c.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(made.map((c) => c.id));

    const byNib = await t.app.inject({ method: 'GET', url: `/v1/contractors?q=${String(made[3]?.nib).slice(0, 10)}`, headers });
    expect(byNib.json().items.map((c: { id: string }) => c.id)).toContain(made[3]?.id);
    const wildcard = await t.app.inject({ method: 'GET', url: '/v1/contractors?q=%25', headers });
    expect(wildcard.json().items).toEqual([]);
  });

  it('refuses a bad limit or a cursor it did not issue (422)', async () => {
    const headers = await t.auth('admin');
    for (const q of ['limit=0', 'limit=501', 'limit=abc', 'cursor=bm90LWEtY3Vyc29y']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/contractors?${q}`, headers });
      expect(res.statusCode, q).toBe(422);
      expect(res.json().errors[0].path).toMatch(/^query\./);
    }
    const defaults = await t.app.inject({ method: 'GET', url: '/v1/contractors', headers });
    expect(defaults.statusCode).toBe(200);
    expect(defaults.json().items.length).toBeLessThanOrEqual(50);
  });
});
