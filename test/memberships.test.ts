import { Readable } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createContext } from '../src/app.ts';
import { ndjsonRecords, csvRecords } from '../src/http/streaming.ts';
import { AppError } from '../src/http/problem.ts';
import { createMembershipService } from '../src/memberships/service.ts';
import { buildTestApp } from './helpers/app.ts';
import { buildPgliteApp, kpj, nik, query } from './helpers/fixtures.ts';

const NOW = new Date('2025-06-15T03:00:00Z');

const record = (n: number, over: Record<string, unknown> = {}) => ({
  nik: nik(n), kpj: kpj(n), name: `Pekerja ${n}`, status: 'ACTIVE', programs: ['JKK', 'JKM'],
  coverageStart: '2025-01-01', coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '900100', asOf: '2025-06-01T00:00:00Z', ...over,
});
const ndjson = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
const CSV_HEADER = 'nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf';

describe('memberships', async () => {
  const t = await buildTestApp({ clock: () => NOW });
  // The field messages asserted below are the English ones (Bahasa Indonesia is the default: test/validation-messages.test.ts).
  const admin = { ...(await t.auth('admin')), 'accept-language': 'en' };
  const inspector = await t.auth('inspector');

  const importAs = (contentType: string, payload: string | object, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: { ...headers, 'content-type': contentType }, payload: payload as string });
  const search = (niks: string[], headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'POST', url: '/v1/memberships/search', headers, payload: { niks } });

  it('imports JSON records and finds them by NIK with their history', async () => {
    const res = await importAs('application/json', { records: [record(1), record(2, { programs: ['JKM', 'JKK', 'JHT'], segment: 'PU', projectNumber: null, employerNpp: '55501' })] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 2, inserted: 2, updated: 0, unchanged: 0, skippedOlder: 0, superseded: 0 });
    const found = await search([nik(2), nik(999), nik(1)], inspector);
    expect(found.statusCode).toBe(200);
    const items = found.json().items;
    expect(items.map((i: { nik: string }) => i.nik)).toEqual([nik(2), nik(1)]);
    expect(items[0].current).toMatchObject({
      nik: nik(2), found: true, kpj: kpj(2), name: 'Pekerja 2', status: 'ACTIVE', programs: ['JKK', 'JKM', 'JHT'], coverageStart: '2025-01-01',
      coverageEnd: '2025-12-31', segment: 'PU', projectNumber: null, employerNpp: '55501', asOf: '2025-06-01T00:00:00.000Z', source: 'import',
    });
    expect(items[0].history).toHaveLength(1);
    expect(items[0].history[0]).toMatchObject({ status: 'ACTIVE', asOf: '2025-06-01T00:00:00.000Z', source: 'import', recordedAt: NOW.toISOString() });
  });

  it('imports NDJSON: newer changes update with history, same content is unchanged, older is skipped', async () => {
    await importAs('application/x-ndjson', ndjson([record(11), record(12), record(13)]));
    const res = await importAs('application/x-ndjson', [
      JSON.stringify(record(11, { status: 'INACTIVE', asOf: '2025-06-10T00:00:00+07:00' })),
      '',
      JSON.stringify(record(12)),
      JSON.stringify(record(13, { status: 'INACTIVE', asOf: '2025-05-01T00:00:00Z' })),
      JSON.stringify(record(14)),
    ].join('\r\n'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 4, inserted: 1, updated: 1, unchanged: 1, skippedOlder: 1, superseded: 0 });
    const items = (await search([nik(11), nik(12), nik(13)])).json().items;
    expect(items[0].current).toMatchObject({ status: 'INACTIVE', asOf: '2025-06-09T17:00:00.000Z' });
    expect(items[0].history.map((h: { status: string }) => h.status)).toEqual(['ACTIVE', 'INACTIVE']);
    expect(items[1].history).toHaveLength(1);
    expect(items[2].current.status).toBe('ACTIVE');
    expect(items[2].history).toHaveLength(1);

    // The same content with a newer asOf refreshes asOf (freshness) without a history row.
    const fresher = await importAs('application/x-ndjson', ndjson([record(12, { asOf: '2025-06-14T00:00:00Z' })]));
    expect(fresher.json()).toMatchObject({ unchanged: 1, updated: 0 });
    const twelve = (await search([nik(12)])).json().items[0];
    expect(twelve.current.asOf).toBe('2025-06-14T00:00:00.000Z');
    expect(twelve.history).toHaveLength(1);
  });

  it('imports CSV (programs split by | or ;, optional columns empty); a repeated NIK keeps its newest record', async () => {
    const csv = [
      'asOf,nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp',
      `2025-06-02T00:00:00Z,${nik(21)},${kpj(21)},"Budi, S.",ACTIVE,JKK|JKM,2025-01-01,2025-12-31,BPU,,`,
      `2025-06-03T00:00:00Z,${nik(22)},${kpj(22)},Siti,ACTIVE,JKK;JKM;JP,2025-01-01,2025-12-31,JAKON,900100,`,
      `2025-06-05T00:00:00Z,${nik(21)},${kpj(21)},"Budi, S.",INACTIVE,"JKK,JKM",2025-01-01,2025-06-04,BPU,,`,
      `2025-06-01T00:00:00Z,${nik(21)},${kpj(21)},"Budi, S.",ACTIVE,,2025-01-01,2025-12-31,BPU,,`,
    ].join('\n');
    const res = await importAs('text/csv', csv);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 4, inserted: 2, updated: 0, unchanged: 0, skippedOlder: 0, superseded: 2 });
    const items = (await search([nik(21), nik(22)])).json().items;
    expect(items[0].current).toMatchObject({ name: 'Budi, S.', status: 'INACTIVE', programs: ['JKK', 'JKM'], coverageEnd: '2025-06-04', projectNumber: null, employerNpp: null });
    expect(items[1].current).toMatchObject({ programs: ['JKK', 'JKM', 'JP'], projectNumber: '900100' });
  });

  it('refuses a file with bad records, listing every bad line, and applies nothing', async () => {
    const before = (await query<{ n: number }>(t.database, 'select count(*)::int as n from membership_history'))[0]?.n;
    const body = [
      JSON.stringify(record(31)),
      JSON.stringify(record(32, { nik: '9971011205900001' })),
      JSON.stringify(record(33)),
      JSON.stringify(record(34, { status: 'AKTIF', programs: ['JKK', 'XYZ'] })),
      '42',
      JSON.stringify(record(36, { coverageEnd: '2024-01-01', asOf: '2025-06-01' })),
      JSON.stringify({ ...record(37), colour: 'red' }),
      JSON.stringify(record(38, { asOf: '2026-01-01T00:00:00Z' })),
    ].join('\n');
    const res = await importAs('application/x-ndjson', body);
    expect(res.statusCode).toBe(422);
    const problem = res.json();
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect([...new Set(problem.errors.map((e: { line: number }) => e.line))]).toEqual([2, 4, 5, 6, 7, 8]);
    expect(problem.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ line: 2, path: 'nik' }),
      expect.objectContaining({ line: 4, path: 'status' }),
      expect.objectContaining({ line: 4, path: 'programs.1' }),
      expect.objectContaining({ line: 6, path: 'asOf' }),
      expect.objectContaining({ line: 8, path: 'asOf', message: 'asOf lies in the future' }),
    ]));
    expect((await search([nik(31), nik(33)])).json().items).toEqual([]);
    const after = (await query<{ n: number }>(t.database, 'select count(*)::int as n from membership_history'))[0]?.n;
    expect(after).toBe(before);

    const csv = await importAs('text/csv', `${CSV_HEADER}\n${nik(39)},${kpj(39)},A,ACTIVE,JKK|JKM,2025-01-01,2025-12-31,JAKON,1,,2025-06-01T00:00:00Z\n${nik(40)},123,A,ACTIVE,JKK,2025-01-01,2025-12-31,JAKON,1,,2025-06-01T00:00:00Z\n${nik(41)},${kpj(41)},A\n`);
    expect(csv.statusCode).toBe(422);
    expect(csv.json().errors).toEqual([expect.objectContaining({ line: 3, path: 'kpj' }), expect.objectContaining({ line: 4 })]);
    expect((await search([nik(39)])).json().items).toEqual([]);

    const json = await importAs('application/json', { records: [record(42), record(43, { segment: 'X' })] });
    expect(json.statusCode).toBe(422);
    expect(json.json().errors).toEqual([expect.objectContaining({ path: 'records.1.segment' })]);
  });

  it('stops checking after 1,000 problems and says so', async () => {
    const bad = Array.from({ length: 1_500 }, (_, i) => JSON.stringify(record(100 + i, { kpj: 'x' }))).join('\n');
    const res = await importAs('application/x-ndjson', bad, { ...admin, 'accept-language': 'en' });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toHaveLength(1_000);
    expect(res.json().detail).toMatch(/More than 1000 problems/);
    expect(res.json().errors.at(-1).line).toBe(1_000);
    // The same in a streamed CSV whose records are quoted from line 3 on (csv-parse reads ahead there).
    const csvBad = [CSV_HEADER, `${nik(99)},${kpj(99)},Pekerja 99,ACTIVE,JKK,2025-01-01,2025-12-31,BPU,,,2025-06-01T00:00:00Z`,
      ...Array.from({ length: 3_000 }, (_, i) => `${nik(100 + i)},x,"Pekerja ${i}",ACTIVE,JKK,2025-01-01,2025-12-31,BPU,,,2025-06-01T00:00:00Z`)];
    const csvRes = await importAs('text/csv', Readable.from(csvBad.map((line) => `${line}\n`)) as unknown as string, { ...admin, 'accept-language': 'en' });
    expect(csvRes.statusCode).toBe(422);
    expect(csvRes.json().errors).toHaveLength(1_000);
    expect(csvRes.json().errors.at(-1).line).toBe(1_002);
  });

  it('answers malformed bodies with 400, header problems with 422 on line 1, other types with 415', async () => {
    const broken = await importAs('application/x-ndjson', `${JSON.stringify(record(51))}\n{"nik":\n`);
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ code: 'MALFORMED_BODY', errors: [{ line: 2 }] });
    const header = await importAs('text/csv', `nik,kpj,name\n${nik(52)},${kpj(52)},A\n`);
    expect(header.statusCode).toBe(422);
    expect(header.json().errors).toEqual([expect.objectContaining({ line: 1, path: 'header' })]);
    const empty = await importAs('text/csv', `${CSV_HEADER}\n`);
    expect(empty.statusCode).toBe(422);
    expect((await importAs('text/plain', 'hello')).statusCode).toBe(415);
    const badJson = await importAs('application/json', '{"records": [');
    expect(badJson.statusCode).toBe(400);
  });

  it('records one membership.imported audit event with counts and no NIKs', async () => {
    const res = await importAs('application/x-ndjson', ndjson([record(61), record(62)]));
    const [event] = await query<{ data: string; entity_id: string }>(t.database,
      `select data::text, entity_id from audit_events where action = 'membership.imported' and entity_id = '${res.json().importId}'`);
    expect(JSON.parse(event?.data ?? '{}')).toEqual({ format: 'ndjson', received: 2, inserted: 2, updated: 0, unchanged: 0, skippedOlder: 0, superseded: 0 });
    expect(event?.data).not.toContain(nik(61));
  });

  it('stages in batches and merges in chunks: a large file with repeats across batches keeps the newest', async () => {
    const service = createMembershipService(createContext({ config: t.config, database: t.database, keys: t.testKeys.keys, clock: () => NOW }), { stageBatch: 700, mergeChunk: 1_000 });
    const records = Array.from({ length: 5_000 }, (_, i) => record(1000 + (i % 3_000), { status: i >= 3_000 ? 'INACTIVE' : 'ACTIVE', asOf: i >= 3_000 ? '2025-06-02T00:00:00Z' : '2025-06-01T00:00:00Z' }));
    const meta = { auth: { sub: 'admin-user', roles: ['admin' as const], opd: null }, actor: { sub: 'admin-user', roles: ['admin'], opd: null }, requestId: 'r1', lang: 'en' as const };
    const result = await service.import(meta, 'ndjson', Readable.from([ndjson(records)]));
    expect(result).toMatchObject({ received: 5_000, inserted: 3_000, updated: 0, unchanged: 0, skippedOlder: 0, superseded: 2_000 });
    const [counts] = await query<{ inactive: number; total: number }>(t.database,
      `select (count(*) filter (where status = 'INACTIVE'))::int as inactive, count(*)::int as total from memberships where nik in (${Array.from({ length: 3_000 }, (_, i) => `'${nik(1000 + i)}'`).join(',')})`);
    expect(counts).toEqual({ inactive: 2_000, total: 3_000 });
  });

  it('merges the same way on the safe path a chunk falls back to (an upsert instead of updates by row address)', async () => {
    const meta = { auth: { sub: 'admin-user', roles: ['admin' as const], opd: null }, actor: { sub: 'admin-user', roles: ['admin'], opd: null }, requestId: 'r2', lang: 'en' as const };
    const ctx = createContext({ config: t.config, database: t.database, keys: t.testKeys.keys, clock: () => NOW });
    const state = async (from: number) => query<Record<string, unknown>>(t.database,
      `select nik, coverage, status, as_of::text, source from memberships where nik in (${Array.from({ length: 40 }, (_, i) => `'${nik(from + i)}'`).join(',')}) order by nik, coverage`);
    const history = async (from: number) => (await query<{ n: number }>(t.database,
      `select count(*)::int as n from membership_history where nik in (${Array.from({ length: 40 }, (_, i) => `'${nik(from + i)}'`).join(',')})`))[0]?.n;
    const run = async (from: number, safeMerge: boolean) => {
      const service = createMembershipService(ctx, { mergeChunk: 7, safeMerge });
      const first = Array.from({ length: 30 }, (_, i) => record(from + i));
      const second = Array.from({ length: 40 }, (_, i) => record(from + i, { status: i % 2 ? 'INACTIVE' : 'ACTIVE', asOf: i % 3 ? '2025-06-02T00:00:00Z' : '2025-05-01T00:00:00Z' }));
      const a = await service.import(meta, 'ndjson', Readable.from([ndjson(first)]));
      const b = await service.import(meta, 'ndjson', Readable.from([ndjson(second)]));
      const { importId: _a, ...countsA } = a;
      const { importId: _b, ...countsB } = b;
      return { countsA, countsB, state: (await state(from)).map(({ nik: n, ...r }) => ({ i: Number(String(n).slice(-4)) - from, ...r })), history: await history(from) };
    };
    const fast = await run(7_000, false);
    const safe = await run(8_000, true);
    expect(safe).toEqual(fast);
    expect(fast.countsB).toMatchObject({ received: 40, inserted: 10 });
  });

  it('merges again the safe way when another writer stores a new coverage while the import inserts it', async () => {
    // Another session inserts a coverage of the file and holds it uncommitted: the import's plain
    // INSERT waits for it, fails once it commits, and the whole merge runs again with the guard.
    const other = new pg.Client({ connectionString: t.config.DATABASE_URL });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(`insert into memberships (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, as_of, source)
        values ('${nik(9_001)}', true, '${kpj(9_001)}', 'Dari BPJS', 'ACTIVE', '{JKK}', '2025-01-01', '2025-12-31', 'JAKON', '900100', '2025-05-01T00:00:00Z', 'upstream')`);
      const imported = importAs('application/x-ndjson', ndjson(Array.from({ length: 10 }, (_, i) => record(9_000 + i))));
      for (let i = 0; ; i++) {
        const [waiting] = await query<{ n: number }>(t.database,
          `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%from membership_import%'`);
        if ((waiting?.n ?? 0) > 0) break;
        if (i > 200) throw new Error('the import never waited for the other writer');
        await new Promise((r) => setTimeout(r, 50));
      }
      await other.query('commit');
      const res = await imported;
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ received: 10, inserted: 9, updated: 1, unchanged: 0, skippedOlder: 0 });
      const [item] = (await search([nik(9_001)])).json().items;
      expect(item.current).toMatchObject({ name: 'Pekerja 9001', source: 'import', asOf: '2025-06-01T00:00:00.000Z' });
      expect(item.history).toHaveLength(1);
    } finally {
      await other.end();
    }
  });

  it('reads streams with a byte cap and reports where a stream is malformed', async () => {
    const read = async (iterable: AsyncIterable<unknown>) => {
      const out = [];
      for await (const item of iterable) out.push(item);
      return out;
    };
    await expect(read(ndjsonRecords(Readable.from(['{"a":1}\n', '{"a":2}\n']), 10))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    await expect(read(csvRecords(Readable.from(['a,b\n1,2\n', '3,4\n']), { required: ['a', 'b'] }, 10))).rejects.toBeInstanceOf(AppError);
    expect(await read(csvRecords(Readable.from(['a,b\n', '\n1,"x\ny"\n', '3,4']), { required: ['a', 'b'] }, 1000))).toEqual([
      { line: 3, values: { a: '1', b: 'x\ny' } },
      { line: 5, values: { a: '3', b: '4' } },
    ]);
  });

  it('lets only admin import and only admin and inspector search', async () => {
    for (const role of ['opd', 'inspector', 'finance'] as const) {
      expect((await importAs('application/x-ndjson', ndjson([record(71)]), await t.auth(role))).statusCode).toBe(403);
    }
    expect((await importAs('application/x-ndjson', ndjson([record(71)]), {})).statusCode).toBe(401);
    expect((await search([nik(71)], await t.auth('opd'))).statusCode).toBe(403);
    expect((await search([nik(71)], await t.auth('finance'))).statusCode).toBe(403);
    expect((await search([nik(71)], {})).statusCode).toBe(401);
  });

  it('validates search requests: 1..100 valid NIKs', async () => {
    expect((await search([])).statusCode).toBe(422);
    expect((await search(Array.from({ length: 101 }, (_, i) => nik(i)))).statusCode).toBe(422);
    const bad = await search([nik(1), '1234']);
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([expect.objectContaining({ path: 'niks.1' })]);
  });
});

describe('memberships on embedded PGlite', () => {
  it('imports NDJSON and CSV and searches with the same SQL', async () => {
    const p = await buildPgliteApp();
    try {
      const headers = { ...(await p.auth('admin')) };
      const first = await p.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: { ...headers, 'content-type': 'application/x-ndjson' }, payload: ndjson([record(1), record(2), record(1, { asOf: '2025-06-02T00:00:00Z', status: 'INACTIVE' })]) });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({ received: 3, inserted: 2, superseded: 1 });
      const csv = `${CSV_HEADER}\n${nik(2)},${kpj(2)},Pekerja 2,INACTIVE,JKK|JKM,2025-01-01,2025-12-31,JAKON,900100,,2025-06-03T00:00:00Z\n`;
      const second = await p.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
      expect(second.json()).toMatchObject({ received: 1, updated: 1 });
      const found = await p.app.inject({ method: 'POST', url: '/v1/memberships/search', headers, payload: { niks: [nik(1), nik(2)] } });
      expect(found.json().items.map((i: { current: { status: string }; history: unknown[] }) => [i.current.status, i.history.length])).toEqual([['INACTIVE', 1], ['INACTIVE', 2]]);
    } finally {
      await p.close();
    }
  }, 60_000);
});
