import { afterAll, describe, expect, it } from 'vitest';
import { buildPgliteApp } from '../helpers/fixtures.ts';

// The embedded development database (PGlite) runs the same audit SQL.
describe('audit on embedded PGlite', async () => {
  const t = await buildPgliteApp();
  afterAll(() => t.close());

  it('appends, exports (JSON, NDJSON, CSV), verifies and signs a checkpoint', async () => {
    const admin = await t.auth('admin');
    for (const code of ['PGL_A', 'PGL_B', 'PGL_C']) {
      expect((await t.app.inject({ method: 'POST', url: '/v1/opds', headers: admin, payload: { code, name: `Dinas ${code}` } })).statusCode).toBe(201);
    }
    const page = await t.app.inject({ method: 'GET', url: '/v1/audit/events?limit=2', headers: admin });
    expect(page.json().items).toHaveLength(2);
    const next = await t.app.inject({ method: 'GET', url: `/v1/audit/events?limit=2&cursor=${page.json().nextCursor}&from=2000-01-01`, headers: admin });
    expect(next.json()).toMatchObject({ items: [{ seq: 3 }], nextCursor: null });
    const nd = await t.app.inject({ method: 'GET', url: '/v1/audit/events', headers: { ...admin, accept: 'application/x-ndjson' } });
    expect(nd.body.trim().split('\n').length).toBe(5); // 3 changes + 2 JSON pages recorded
    const csv = await t.app.inject({ method: 'GET', url: '/v1/audit/events', headers: { ...admin, accept: 'text/csv' } });
    expect(csv.body.split('\r\n')[0]).toBe('seq,at,actor,action,entityType,entityId,data,requestId,prevHash,hash');
    const v = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: admin });
    expect(v.json()).toMatchObject({ ok: true, checked: 7, headSeq: 7 });
    const cp = await t.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: admin });
    expect(cp.json()).toMatchObject({ seq: 7, hash: v.json().headHash });
  });
});
