import { describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers/app.ts';

describe('OPDs', async () => {
  const t = await buildTestApp();

  it('lists the seeded Palembang OPDs to any role', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/opds', headers: await t.auth('finance') });
    expect(res.statusCode).toBe(200);
    const codes = res.json().items.map((o: { code: string }) => o.code);
    expect(codes).toEqual(expect.arrayContaining(['DPUPR', 'PERKIM', 'DINKES', 'DISDIK', 'DISHUB', 'DLHK', 'DISNAKER', 'DISPORA', 'BPBD', 'BPKAD', 'INSPEKTORAT']));
  });

  it('lets an admin add an OPD, with its audit event, and refuses a duplicate', async () => {
    const headers = await t.auth('admin');
    const res = await t.app.inject({ method: 'POST', url: '/v1/opds', headers, payload: { code: 'DISKOMINFO', name: 'Dinas Komunikasi dan Informatika' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ code: 'DISKOMINFO', name: 'Dinas Komunikasi dan Informatika' });
    const again = await t.app.inject({ method: 'POST', url: '/v1/opds', headers, payload: { code: 'DISKOMINFO', name: 'Dinas Komunikasi dan Informatika' } });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.json().code).toBe('OPD_EXISTS');
    const events = await t.database.db.execute(`select action, entity_id from audit_events where action = 'opd.created'` as never);
    expect((events as unknown as { rows: unknown[] }).rows).toEqual([{ action: 'opd.created', entity_id: 'DISKOMINFO' }]);
  });

  it('refuses OPD creation by other roles (403) and without a token (401)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/opds', headers: await t.auth('opd'), payload: { code: 'X1', name: 'Xxx' } });
    expect(res.statusCode).toBe(403);
    const anon = await t.app.inject({ method: 'POST', url: '/v1/opds', payload: { code: 'X1', name: 'Xxx' } });
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 422 with every problem, unknown fields included, and 400 for broken JSON', async () => {
    const headers = await t.auth('admin');
    const res = await t.app.inject({ method: 'POST', url: '/v1/opds', headers, payload: { code: 'x', name: '', extra: 1 } });
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors.length).toBeGreaterThanOrEqual(3);
    const broken = await t.app.inject({ method: 'POST', url: '/v1/opds', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"code":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('MALFORMED_BODY');
  });

  it('answers unknown routes with a 404 problem and echoes x-request-id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/nothing', headers: { 'x-request-id': 'req-123' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
    expect(res.headers['x-request-id']).toBe('req-123');
  });
});
