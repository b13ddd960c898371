// Contract 2.2 through POST /v1/memberships/import and /search: one current record per coverage
// (segment, and project or employer), each replaced only by a newer record of its own coverage,
// every change kept; imports streamed and all-or-nothing, with the line of every bad record.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { kpj, nik, query } from '../helpers/fixtures.ts';

const NOW = new Date('2025-06-15T03:00:00Z');
const record = (n: number, over: Record<string, unknown> = {}) => ({
  nik: nik(n), kpj: kpj(n), name: `Pekerja ${n}`, status: 'ACTIVE', programs: ['JKK', 'JKM'],
  coverageStart: '2025-01-01', coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '900100', asOf: '2025-06-01T00:00:00Z', ...over,
});
const jakon = (n: number, projectNumber: string, over: Record<string, unknown> = {}) => record(n, { projectNumber, ...over });
const pu = (n: number, employerNpp: string, over: Record<string, unknown> = {}) => record(n, { segment: 'PU', projectNumber: null, employerNpp, ...over });
const bpu = (n: number, over: Record<string, unknown> = {}) => record(n, { segment: 'BPU', projectNumber: null, ...over });
const ndjson = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
const CSV_HEADER = 'nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf';
const csvLine = (r: Record<string, unknown>) =>
  [r.nik, r.kpj, r.name, r.status, (r.programs as string[]).join('|'), r.coverageStart, r.coverageEnd, r.segment, r.projectNumber ?? '', r.employerNpp ?? '', r.asOf].join(',');

interface Coverage { segment: string; projectNumber: string | null; employerNpp: string | null; status: string; asOf: string }
const keyOf = (c: Coverage) => `${c.segment}:${c.projectNumber ?? c.employerNpp ?? ''}`;

describe('memberships: several coverages per NIK', async () => {
  const t = await buildTestApp({ clock: () => NOW });
  const admin = await t.auth('admin');
  const importAs = (contentType: string, payload: string | object | Readable) =>
    t.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: { ...admin, 'content-type': contentType }, payload: payload as string });
  const search = async (niks: string[]) => (await t.app.inject({ method: 'POST', url: '/v1/memberships/search', headers: admin, payload: { niks } })).json().items;
  const historyCount = async () => (await query<{ n: number }>(t.database, 'select count(*)::int as n from membership_history'))[0]?.n;

  it('keeps one current record per coverage, in each format, each replaced only by its own coverage\'s newer record', async () => {
    const first = await importAs('application/x-ndjson', ndjson([
      jakon(1, '900100'), jakon(1, '900200', { asOf: '2025-06-02T00:00:00Z' }), pu(1, '55501'), bpu(1), jakon(2, '900100'),
    ]));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ received: 5, inserted: 5, updated: 0, unchanged: 0, skippedOlder: 0, superseded: 0 });
    let [one] = await search([nik(1)]);
    expect(one.coverages.map(keyOf).sort()).toEqual(['BPU:', 'JAKON:900100', 'JAKON:900200', 'PU:55501']);
    expect(one.current).toEqual(one.coverages[0]);

    // CSV: a newer record of one coverage changes that one only; an older one of another is skipped.
    const csv = [CSV_HEADER, csvLine(jakon(1, '900100', { status: 'INACTIVE', asOf: '2025-06-05T00:00:00Z' })),
      csvLine(bpu(1, { status: 'INACTIVE', asOf: '2025-05-01T00:00:00Z' }))].join('\n');
    const second = await importAs('text/csv', csv);
    expect(second.json()).toMatchObject({ received: 2, inserted: 0, updated: 1, unchanged: 0, skippedOlder: 1 });
    // JSON: the same content again with a newer asOf is unchanged (no history), a new employer is a new coverage.
    const third = await importAs('application/json', { records: [pu(1, '55501', { asOf: '2025-06-06T00:00:00Z' }), pu(1, '55502')] });
    expect(third.json()).toMatchObject({ received: 2, inserted: 1, unchanged: 1, updated: 0 });

    [one] = await search([nik(1)]);
    const byKey = new Map<string, Coverage>(one.coverages.map((c: Coverage) => [keyOf(c), c]));
    expect([...byKey.keys()].sort()).toEqual(['BPU:', 'JAKON:900100', 'JAKON:900200', 'PU:55501', 'PU:55502']);
    expect(byKey.get('JAKON:900100')).toMatchObject({ status: 'INACTIVE', asOf: '2025-06-05T00:00:00.000Z' });
    expect(byKey.get('BPU:')).toMatchObject({ status: 'ACTIVE' });
    expect(byKey.get('PU:55501')).toMatchObject({ asOf: '2025-06-06T00:00:00.000Z' });
    expect(byKey.get('JAKON:900200')).toMatchObject({ status: 'ACTIVE' });
    // History: every version of every coverage (4 first, then the change of 900100, then the new employer).
    expect(one.history).toHaveLength(6);
    expect(one.history.filter((h: Coverage) => keyOf(h) === 'JAKON:900100').map((h: Coverage) => h.status)).toEqual(['ACTIVE', 'INACTIVE']);
    // The other NIK was not touched.
    const [two] = await search([nik(2)]);
    expect(two.coverages).toHaveLength(1);
  });

  it('counts repeats per coverage: two coverages of one NIK in a file are not repeats, a coverage twice is', async () => {
    const res = await importAs('application/x-ndjson', ndjson([
      jakon(11, '900100'), jakon(11, '900100', { status: 'INACTIVE', asOf: '2025-06-03T00:00:00Z' }), jakon(11, '900300'),
      jakon(11, '900100', { asOf: '2025-06-02T00:00:00Z' }),
    ]));
    expect(res.json()).toMatchObject({ received: 4, inserted: 2, superseded: 2 });
    const [item] = await search([nik(11)]);
    expect(item.coverages.map((c: Coverage) => [keyOf(c), c.status]).sort()).toEqual([['JAKON:900100', 'INACTIVE'], ['JAKON:900300', 'ACTIVE']]);
  });

  it('lets an imported record replace BPJS\'s older "not known" answer for the NIK', async () => {
    await query(t.database, `insert into memberships (nik, found, as_of, source) values ('${nik(21)}', false, '2025-05-01T00:00:00Z', 'upstream')`);
    const res = await importAs('application/x-ndjson', ndjson([jakon(21, '900100')]));
    expect(res.json()).toMatchObject({ inserted: 1 });
    const [item] = await search([nik(21)]);
    expect(item.coverages).toHaveLength(1);
    expect(item.current).toMatchObject({ found: true, segment: 'JAKON' });
  });

  it('names the right lines of a large CSV whose quoted records start midway, and keeps the later line of a tie', async () => {
    // Lines without quotes are split by Gerbang, the rest of the file (from the first quote) by
    // csv-parse: line numbers must run on across that hand-over, blank lines and CRLF included.
    const N = 30_000;
    const body = (bad: boolean) => {
      const out = [`${CSV_HEADER}\r\n`];
      for (let i = 0; i < N; i++) {
        const r = jakon(200_000 + i, '900100');
        const line = i === 20_000 ? csvLine({ ...r, name: '"Siti, ""Ani"""' }) : csvLine(r);
        out.push(`${line}${i % 2 ? '\r\n' : '\n'}`);
        if (i === 25_000) out.push('\n \t\n');
      }
      // The first record's coverage again, same asOf, another status: the later line wins.
      out.push(`${csvLine(jakon(200_000, '900100', { status: 'INACTIVE' }))}\n`);
      if (bad) out.push(`${csvLine(jakon(200_001, '900100', { status: 'AKTIF' }))}\n`);
      return out.join('');
    };
    // Header on line 1, record i on line i + 2, two blank lines after record 25,000, then the repeat.
    const refused = await importAs('text/csv', Readable.from([body(true)]));
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([expect.objectContaining({ line: N + 2 + 2 + 1, path: 'status' })]);
    expect(await search([nik(200_000), nik(200_000 + N - 1)])).toEqual([]);

    const applied = await importAs('text/csv', Readable.from([body(false)]));
    expect(applied.json()).toMatchObject({ received: N + 1, inserted: N, superseded: 1 });
    const [first, quoted] = await search([nik(200_000), nik(220_000)]);
    expect(first.current).toMatchObject({ status: 'INACTIVE' });
    expect(first.history).toHaveLength(1);
    expect(quoted.current).toMatchObject({ name: 'Siti, "Ani"' });
  }, 120_000);

  it('applies nothing when the last line of a 100,000-record import is bad, and names that line (NDJSON and CSV)', async () => {
    const N = 100_000;
    const historyBefore = await historyCount();
    const membershipsBefore = (await query<{ n: number }>(t.database, 'select count(*)::int as n from memberships'))[0]?.n;
    function* lines(format: 'ndjson' | 'csv') {
      if (format === 'csv') yield `${CSV_HEADER}\n`;
      for (let i = 0; i < N; i += 1_000) {
        let chunk = '';
        for (let j = i; j < i + 1_000; j++) {
          const r = jakon(100_000 + j, j % 2 === 0 ? '900100' : '900200');
          chunk += `${format === 'csv' ? csvLine(r) : JSON.stringify(r)}\n`;
        }
        yield chunk;
      }
      const bad = jakon(99_999, '900100', { coverageEnd: 'soon' });
      yield `${format === 'csv' ? csvLine(bad) : JSON.stringify(bad)}\n`;
    }
    for (const [format, type, line] of [['ndjson', 'application/x-ndjson', N + 1], ['csv', 'text/csv', N + 2]] as const) {
      const res = await importAs(type, Readable.from(lines(format)));
      expect(res.statusCode).toBe(422);
      expect(res.json().errors).toEqual([expect.objectContaining({ line, path: 'coverageEnd' })]);
    }
    expect(await historyCount()).toBe(historyBefore);
    expect((await query<{ n: number }>(t.database, 'select count(*)::int as n from memberships'))[0]?.n).toBe(membershipsBefore);
    expect(await search([nik(100_000), nik(100_000 + N - 1)])).toEqual([]);
  }, 180_000);
});
