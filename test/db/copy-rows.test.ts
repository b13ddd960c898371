// COPY's binary format (src/db/copy.ts): what PostgreSQL and embedded PGlite store from CopyRows is
// exactly the values written, whatever a text holds; and what `take` hands over is exactly the rows
// added since the last call, whatever their size.
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { rows as sqlRows, type Database } from '../../src/db/client.ts';
import { copyBatch, CopyRows } from '../../src/db/copy.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildPgliteApp, kpj, nik } from '../helpers/fixtures.ts';

const TEXTS = ['Siti "Ani" Rahma', 'back\\slash \\N \\.', 'tab\there', 'new\nline\r\n', 'Émile Nguyễn 😀', 'ctl\u0001\u001f', '', ' ', '\\.'];
const LONE_SURROGATE = 'a\ud800b';

interface Stored { n: number; t: string | null; d: string; ts: string; a: string[]; j: unknown }

/** Rows with every kind of field, then the same rows as read back. */
function write(rows: CopyRows): Stored[] {
  const expected: Stored[] = [];
  const cases: Array<[string | null, string, string, string[]]> = [
    ...TEXTS.map((t, i): [string, string, string, string[]] => [t, '2025-06-01', '2025-06-01T00:00:00.000Z', i % 2 ? ['JKK', 'JKM'] : []]),
    [null, '1999-12-31', '1970-01-01T00:00:00.123Z', ['a b', 'c,d', '{"e"}']],
    [LONE_SURROGATE, '2000-01-01', '2099-12-31T23:59:59.999Z', ['x']],
    ['x'.repeat(5_000), '2100-02-28', '2000-01-01T00:00:00.000Z', ['é']],
    // The API's range of dates (DATE_MIN, DATE_MAX), and an asOf at its first day in UTC+14.
    ['first', '1900-01-01', '1899-12-31T10:00:00.000Z', []],
    ['last', '2199-12-31', '2199-12-31T23:59:59.999Z', []],
  ];
  for (const [i, [t, d, ts, a]] of cases.entries()) {
    rows.row(6);
    rows.int4(i - 3);
    rows.text(t);
    rows.date(d);
    rows.timestamptz(ts);
    rows.textArray(a);
    const json = { name: t?.toWellFormed() ?? null, i };
    rows.jsonb(JSON.stringify(json));
    expected.push({ n: i - 3, t: t === null ? null : t.toWellFormed(), d, ts, a, j: json });
  }
  return expected;
}

async function roundTrip(database: Database): Promise<{ stored: Stored[]; expected: Stored[] }> {
  const rows = new CopyRows(32);
  const expected = write(rows);
  expect(rows.count).toBe(expected.length);
  const stored = await database.db.transaction(async (tx) => {
    await tx.execute(sql`create temp table copied (n int4, t text, d date, ts timestamptz, a text[], j jsonb) on commit drop`);
    await copyBatch(database, tx, 'copied (n, t, d, ts, a, j)', rows.take());
    return sqlRows<Stored>(tx, sql`select n, t, d::text as d, to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ts, a, j from copied order by n`);
  });
  return { stored, expected };
}

describe('CopyRows: COPY in binary', async () => {
  const postgres = await buildTestApp({});
  const pglite = await buildPgliteApp();
  afterAll(async () => {
    await pglite.close();
    await postgres.close();
  });

  it('stores every value as written on PostgreSQL and on PGlite: texts of any characters, NULL, dates, instants, arrays, JSON', async () => {
    for (const database of [postgres.database, pglite.database]) {
      const { stored, expected } = await roundTrip(database);
      expect(stored).toEqual(expected);
      // A lone surrogate is stored as U+FFFD, in the text as in the JSON.
      expect(stored.find((r) => r.t?.includes('\ufffd'))?.t).toBe('a\ufffdb');
    }
  });

  it('hands over the rows added since the last take, in two buffers taken in turn, growing one for a long row', () => {
    const rows = new CopyRows(16);
    rows.row(1);
    rows.text('€'.repeat(10_000));
    const a = rows.take();
    expect(a.length).toBe(2 + 4 + 30_000);
    expect(a.readInt32BE(2)).toBe(30_000);
    const copyOfA = Buffer.from(a);
    // The next rows go to the other buffer: what was taken stays as it was until the next take.
    rows.row(1);
    rows.int4(7);
    expect(a.equals(copyOfA)).toBe(true);
    const b = rows.take();
    expect([...b]).toEqual([0, 1, 0, 0, 0, 4, 0, 0, 0, 7]);
    expect(rows.count).toBe(0);
    expect(rows.take().length).toBe(0);
  });

  it('loads a membership import on PGlite (the development default) as on PostgreSQL', async () => {
    const records = [1, 2].map((n) => ({
      nik: nik(n), kpj: kpj(n), name: `Pekerja "${n}"\t\\`, status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2025-01-01',
      coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '900100', asOf: '2025-06-01T07:00:00+07:00',
    }));
    for (const app of [pglite, postgres]) {
      const headers = await app.auth('admin');
      const imported = await app.app.inject({
        method: 'POST', url: '/v1/memberships/import', headers: { ...headers, 'content-type': 'application/x-ndjson' },
        payload: records.map((r) => JSON.stringify(r)).join('\n'),
      });
      expect(imported.json()).toMatchObject({ received: 2, inserted: 2 });
      const search = (await app.app.inject({ method: 'POST', url: '/v1/memberships/search', headers, payload: { niks: [nik(1)] } })).json();
      expect(search.items[0].current).toMatchObject({ name: 'Pekerja "1"\t\\', programs: ['JKK', 'JKM'], coverageStart: '2025-01-01', asOf: '2025-06-01T00:00:00.000Z' });
      expect(search.items[0].history).toEqual([expect.objectContaining({ name: 'Pekerja "1"\t\\', asOf: '2025-06-01T00:00:00.000Z', coverageEnd: '2025-12-31' })]);
    }
  });
});
