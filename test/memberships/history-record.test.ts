// The history record of an imported membership is built by node while the file is read (staging.ts)
// and parsed by PostgreSQL as jsonb: it must be the very value the merge used to build in SQL from
// the row it wrote (jsonb_build_object over memberships), whatever the name holds.
import { Readable } from 'node:stream';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/app.ts';
import { historyCoverage } from '../../src/db/schema/membership-history.ts';
import { createMembershipService } from '../../src/memberships/service.ts';
import { buildTestApp } from '../helpers/app.ts';
import { kpj, nik, query } from '../helpers/fixtures.ts';

const NOW = new Date('2025-06-15T03:00:00Z');
const record = (n: number, over: Record<string, unknown> = {}) => ({
  nik: nik(n), kpj: kpj(n), name: `Pekerja ${n}`, status: 'ACTIVE', programs: ['JKK', 'JKM'],
  coverageStart: '2025-01-01', coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '900100', asOf: '2025-06-01T00:00:00Z', ...over,
});
const ndjson = (records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join('\n')}\n`;
const NAMES = [
  'Siti "Ani" Rahma', 'back\\slash \\N \\t', 'tab\there', 'new\nline', 'cr\rhere', '  padded  ', 'Émile Nguyễn 😀', 'ctl\u0001\u001f',
  'line\u2028sep', '<b>&amp;</b>', "O'Brien", 'x'.repeat(200),
];

/** A history row's coverage, as a roster reads it (worked out from the record since migration 0035). */
const COVERAGE = new PgDialect().sqlToQuery(historyCoverage('h')).sql;

// What the merge built before (migration 0025's merge), from the stored row.
const BUILT_IN_SQL = `jsonb_build_object(
  'nik', m.nik, 'found', true, 'kpj', m.kpj, 'name', m.name, 'status', m.status, 'programs', to_jsonb(m.programs),
  'coverageStart', m.coverage_start::text, 'coverageEnd', m.coverage_end::text, 'segment', m.segment,
  'projectNumber', m.project_number, 'employerNpp', m.employer_npp,
  'asOf', to_char(m.as_of at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;

describe('membership import: the history record', async () => {
  const t = await buildTestApp({ clock: () => NOW });
  const admin = await t.auth('admin');
  const importAs = (contentType: string, payload: string | object) =>
    t.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: { ...admin, 'content-type': contentType }, payload: payload as string });
  /** The newest history row of each coverage of the NIKs, beside the record built in SQL from the stored row. */
  const compare = async (niks: string[]) => query<{ stored: unknown; built: unknown }>(t.database, `
    select h.record as stored, ${BUILT_IN_SQL} as built
    from (select distinct on (nik, coverage) * from (select *, ${COVERAGE} as coverage from membership_history h where nik in (${niks.map((n) => `'${n}'`).join(',')})) h
      order by nik, coverage, id desc) h
    join memberships m on m.nik = h.nik and m.coverage = h.coverage
    order by h.nik, h.coverage`);

  it('is what jsonb_build_object made of the written row, for new and updated coverages, from NDJSON and CSV', async () => {
    const first = NAMES.map((name, i) => record(100 + i, {
      name, ...(i % 3 === 1 ? { segment: 'PU', projectNumber: null, employerNpp: '55501' } : {}),
      ...(i % 3 === 2 ? { segment: 'BPU', projectNumber: '7' } : {}), ...(i % 4 === 0 ? { programs: ['JKP', 'JKK', 'JHT'] } : {}),
    }));
    expect((await importAs('application/x-ndjson', ndjson(first))).json()).toMatchObject({ inserted: NAMES.length });
    const niks = first.map((r) => r.nik);
    let rows = await compare(niks);
    expect(rows).toHaveLength(NAMES.length);
    for (const row of rows) expect(row.stored).toEqual(row.built);

    // Updates from CSV (quoted where needed); a BPU record naming another project updates the
    // stored row, which keeps its project: the history keeps the row as written.
    const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
    const csv = ['nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf', ...first.map((r, i) => [
      r.nik, r.kpj, quote(`${NAMES[(i + 1) % NAMES.length]}`), 'INACTIVE', 'JKM', '2025-02-01', '2026-01-31', r.segment,
      r.segment === 'BPU' ? '8' : (r.projectNumber ?? ''), r.segment === 'PU' ? '55501' : '', '2025-06-03T10:11:12.345+07:00',
    ].join(','))].join('\n');
    expect((await importAs('text/csv', csv)).json()).toMatchObject({ updated: NAMES.length });
    rows = await compare(niks);
    for (const row of rows) expect(row.stored).toEqual(row.built);
    expect(rows.some((row) => (row.stored as { projectNumber: unknown }).projectNumber === '7')).toBe(true);
  });

  it('is the same when the merge runs the safe way (an upsert guarded against concurrent writers)', async () => {
    const service = createMembershipService(createContext({ config: t.config, database: t.database, keys: t.testKeys.keys, clock: () => NOW }), { safeMerge: true });
    const records = NAMES.map((name, i) => record(300 + i, { name, programs: i % 2 ? [] : ['JP'] }));
    const meta = { auth: { sub: 'admin-user', roles: ['admin' as const], opd: null }, actor: { sub: 'admin-user', roles: ['admin'], opd: null }, requestId: 'r1', lang: 'en' as const };
    await service.import(meta, 'ndjson', Readable.from([ndjson(records)]));
    await service.import(meta, 'ndjson', Readable.from([ndjson(records.map((r) => ({ ...r, status: 'INACTIVE', asOf: '2025-06-05T00:00:00Z' })))]));
    const rows = await compare(records.map((r) => r.nik));
    expect(rows).toHaveLength(NAMES.length);
    for (const row of rows) expect(row.stored).toEqual(row.built);
  });
});
