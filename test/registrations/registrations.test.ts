// Contract 2.3 through the HTTP surface on real PostgreSQL: POST /v1/registrations/import (three
// formats, all or nothing, newer wins, history, audit) and GET /v1/registrations/{projectNumber}
// (roles and the OPD's own numbers); the imported record is what a decision's inputs read.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readDecisionInputs } from '../../src/disbursements/repository.ts';
import { buildTestApp } from '../helpers/app.ts';
import { insertProject, query } from '../disbursements/fixtures.ts';

const NOW = new Date('2025-09-15T03:00:00Z');
const record = (projectNumber: string, over: Record<string, unknown> = {}) => ({
  projectNumber, status: 'PESERTA', contractValue: 1_110_000_000, premiumRequired: 1_750_000, premiumPaid: 1_750_000,
  workersRegistered: 12, coverageStart: '2025-07-01', coverageEnd: '2026-06-30', asOf: '2025-09-14T00:00:00Z', ...over,
});
const ndjson = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
const CSV_HEADER = 'projectNumber,status,contractValue,premiumRequired,premiumPaid,workersRegistered,coverageStart,coverageEnd,asOf';

describe('registrations as a snapshot', async () => {
  const t = await buildTestApp({ clock: () => NOW });
  const admin = await t.auth('admin');
  const importAs = (contentType: string, payload: string | object | Readable, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'POST', url: '/v1/registrations/import', headers: { ...headers, 'content-type': contentType }, payload: payload as string });
  const read = async (number: string, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'GET', url: `/v1/registrations/${number}`, headers });
  const historyCount = async () => (await query<{ n: number }>(t.database, 'select count(*)::int as n from project_registration_history'))[0]?.n;

  it('imports JSON, CSV and NDJSON: new, changed, unchanged and older records, with their history', async () => {
    const first = await importAs('application/json', { records: [record('700001', { status: 'MENDAFTAR', premiumPaid: 0 }), record('700002')] });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: 2, inserted: 2, updated: 0, unchanged: 0, skippedOlder: 0, superseded: 0 });

    const csv = [CSV_HEADER,
      '700001,PESERTA,1110000000,1750000,1750000,12,2025-07-01,2026-06-30,2025-09-15T00:00:00Z',
      '700002,PESERTA,,,1750000,,,,2025-09-01T00:00:00Z', // older than the stored one
    ].join('\n');
    const second = await importAs('text/csv', csv);
    expect(second.json()).toMatchObject({ received: 2, inserted: 0, updated: 1, skippedOlder: 1 });

    const third = await importAs('application/x-ndjson', ndjson([
      record('700002', { asOf: '2025-09-15T01:00:00Z' }), // same content, newer: unchanged, fresher
      record('700003', { asOf: '2025-09-10T00:00:00Z' }), record('700003', { status: 'MENDAFTAR', asOf: '2025-09-11T00:00:00Z' }),
    ]));
    expect(third.json()).toMatchObject({ received: 3, inserted: 1, unchanged: 1, superseded: 1 });

    const one = (await read('700001')).json();
    expect(one.current).toMatchObject({
      projectNumber: '700001', found: true, status: 'PESERTA', premiumPaid: 1_750_000, premiumRequired: 1_750_000, contractValue: 1_110_000_000,
      workersRegistered: 12, coverageStart: '2025-07-01', coverageEnd: '2026-06-30', asOf: '2025-09-15T00:00:00.000Z', source: 'import',
    });
    expect(one.history.map((h: { status: string; premiumPaid: number; source: string }) => [h.status, h.premiumPaid, h.source]))
      .toEqual([['MENDAFTAR', 0, 'import'], ['PESERTA', 1_750_000, 'import']]);
    const two = (await read('700002')).json();
    expect(two.current.asOf).toBe('2025-09-15T01:00:00.000Z');
    expect(two.history).toHaveLength(1);
    expect((await read('700003')).json().current.status).toBe('MENDAFTAR');
  });

  it('refuses a file with a bad record anywhere, naming every bad line, and applies nothing', async () => {
    const before = await historyCount();
    function* lines() {
      for (let i = 0; i < 5_000; i++) yield `${JSON.stringify(record(String(800_000 + i)))}\n`;
      yield `${JSON.stringify(record('800999x'))}\n`;
      yield `${JSON.stringify(record('801999', { status: 'AKTIF', premiumPaid: -1 }))}\n`;
    }
    const res = await importAs('application/x-ndjson', Readable.from(lines()));
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([
      expect.objectContaining({ line: 5_001, path: 'projectNumber' }),
      expect.objectContaining({ line: 5_002, path: 'status' }),
      expect.objectContaining({ line: 5_002, path: 'premiumPaid' }),
    ]);
    expect(await historyCount()).toBe(before);
    expect((await read('800000')).statusCode).toBe(404);

    const csv = await importAs('text/csv', `${CSV_HEADER}\n700010,PESERTA,,,abc,,,,2025-09-14T00:00:00Z\n700012,PESERTA,,,1,,2025-07-01,2025-06-30,2025-09-14T00:00:00Z\n`);
    expect(csv.statusCode).toBe(422);
    expect(csv.json().errors).toEqual([
      expect.objectContaining({ line: 2, path: 'premiumPaid' }), expect.objectContaining({ line: 3, path: 'coverageEnd' })]);
    const future = await importAs('application/json', { records: [record('700011', { asOf: '2025-09-16T00:00:00Z' })] }, { ...admin, 'accept-language': 'en' });
    expect(future.json().errors).toEqual([expect.objectContaining({ path: 'records.0.asOf', message: 'asOf lies in the future' })]);
    expect((await importAs('text/csv', 'projectNumber,status\n1,PESERTA\n')).json().errors).toEqual([expect.objectContaining({ line: 1, path: 'header' })]);
  });

  it('records one registration.imported audit event with the counts', async () => {
    const res = await importAs('application/x-ndjson', ndjson([record('700020'), record('700021')]));
    const [event] = await query<{ data: Record<string, unknown>; actor: { sub: string } }>(t.database,
      `select data, actor from audit_events where action = 'registration.imported' and entity_id = '${res.json().importId}'`);
    expect(event?.data).toEqual({ format: 'ndjson', received: 2, inserted: 2, updated: 0, unchanged: 0, skippedOlder: 0, superseded: 0 });
    expect(event?.actor.sub).toBe('admin-user');
  });

  it('lets admin import, and admin, inspector and the OPD of a project carrying the number read', async () => {
    for (const role of ['inspector', 'opd', 'finance'] as const) {
      expect((await importAs('application/json', { records: [record('700030')] }, await t.auth(role))).statusCode).toBe(403);
    }
    const project = await insertProject(t.database, { registration: '700031', opdCode: 'DPUPR' });
    await importAs('application/json', { records: [record(project.registration)] });
    expect((await read('700031', await t.auth('inspector'))).statusCode).toBe(200);
    expect((await read('700031', await t.auth('opd', { opd: 'DPUPR' }))).statusCode).toBe(200);
    // Another OPD, or a number none of its projects carries: as if it did not exist.
    expect((await read('700031', await t.auth('opd', { opd: 'DINKES' }))).statusCode).toBe(404);
    expect((await read('700002', await t.auth('opd', { opd: 'DPUPR' }))).statusCode).toBe(404);
    expect((await read('700031', await t.auth('finance'))).statusCode).toBe(403);
    expect((await read('799999')).statusCode).toBe(404);
    expect((await read('12a')).statusCode).toBe(422);
  });

  it('is what a decision reads for the project: gerbang_decision_inputs returns the imported record', async () => {
    const project = await insertProject(t.database, { registration: '700040', registrationRecord: null });
    expect((await readDecisionInputs(t.database.db, project.id))?.project).toMatchObject({ regFound: null, regStatus: null });
    await importAs('application/json', { records: [record('700040', { status: 'MENDAFTAR', premiumPaid: 5, asOf: '2025-09-15T02:00:00Z' })] });
    const inputs = await readDecisionInputs(t.database.db, project.id);
    expect(inputs?.project).toMatchObject({
      regFound: true, regStatus: 'MENDAFTAR', regPremiumPaid: '5', regVerifiedAtMs: Date.parse('2025-09-15T02:00:00Z'),
    });
  });
});
