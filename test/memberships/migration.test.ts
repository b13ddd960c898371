// Migration 0022 (several coverages per NIK) carries every stored membership and its history over:
// a database migrated up to the one before it, with memberships in it, then migrated as the service does.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { migratePostgres, migrationsFolder } from '../../src/db/migrate.ts';
import { historyCoverage } from '../../src/db/schema/membership-history.ts';
import { buildTestApp } from '../helpers/app.ts';
import { databaseUrl } from '../helpers/database.ts';
import { kpj, nik } from '../helpers/fixtures.ts';

const COVERAGES_MIGRATION = '0022_membership_coverages';

/** A copy of the migrations folder that stops just before the coverages migration. */
async function foldersBefore(tag: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gerbang-migrations-'));
  await cp(migrationsFolder, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: Array<{ idx: number; tag: string }> };
  const at = journal.entries.findIndex((e) => e.tag === tag);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  await writeFile(journalPath, JSON.stringify(journal));
  return dir;
}

type Row = Record<string, unknown>;
const MEMBERSHIP_COLUMNS = `nik, found, kpj, name, status, programs, coverage_start::text, coverage_end::text, segment, project_number,
  employer_npp, as_of, source, updated_at`;

describe('migration 0022: memberships keyed by (nik, coverage)', async () => {
  const name = `gerbang_m_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = databaseUrl(name);
  const folder = await foldersBefore(COVERAGES_MIGRATION);
  const client = new pg.Client({ connectionString: url });
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  await client.connect();
  afterAll(async () => {
    await t.close();
    await client.end().catch(() => {});
    await rm(folder, { recursive: true, force: true });
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  // The schema as it was before: one membership per NIK.
  await migrate(drizzle({ client }), { migrationsFolder: folder });
  const jakon = { nik: nik(1), seg: 'JAKON', project: '900100', npp: null };
  const pu = { nik: nik(2), seg: 'PU', project: null, npp: '55501' };
  const bpu = { nik: nik(3), seg: 'BPU', project: null, npp: null };
  for (const [i, m] of [jakon, pu, bpu].entries()) {
    await client.query(
      `insert into memberships (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of, source, updated_at)
       values ($1, true, $2, $3, 'ACTIVE', '{JKK,JKM}', '2025-01-01', '2025-12-31', $4, $5, $6, '2025-06-0${i + 1}T00:00:00Z', 'import', '2025-06-10T00:00:00Z')`,
      [m.nik, kpj(i + 1), `Pekerja ${i + 1}`, m.seg, m.project, m.npp]);
    for (const status of ['INACTIVE', 'ACTIVE']) {
      await client.query(
        `insert into membership_history (nik, record, as_of, source, recorded_at) values ($1, $2, '2025-06-0${i + 1}T00:00:00Z', 'import', '2025-06-10T00:00:00Z')`,
        [m.nik, { nik: m.nik, found: true, kpj: kpj(i + 1), name: `Pekerja ${i + 1}`, status, programs: ['JKK', 'JKM'], coverageStart: '2025-01-01',
          coverageEnd: '2025-12-31', segment: m.seg, projectNumber: m.project, employerNpp: m.npp, asOf: `2025-06-0${i + 1}T00:00:00.000Z` }]);
    }
  }
  // BPJS said it knows no such person (live upstream).
  await client.query(`insert into memberships (nik, found, as_of, source) values ($1, false, '2025-06-04T00:00:00Z', 'upstream')`, [nik(4)]);
  await client.query(`insert into membership_history (nik, record, as_of, source) values ($1, $2, '2025-06-04T00:00:00Z', 'upstream')`,
    [nik(4), { nik: nik(4), found: false }]);
  const membershipsBefore = (await client.query<Row>(`select ${MEMBERSHIP_COLUMNS} from memberships order by nik`)).rows;
  const historyBefore = (await client.query<Row>('select id, nik, record, as_of, source, recorded_at from membership_history order by id')).rows;

  // Then the service starts and migrates.
  await migratePostgres(url);
  t = await buildTestApp({ databaseUrl: url, clock: () => new Date('2025-06-15T03:00:00Z') });

  it('keeps every membership row and every history row as they were', async () => {
    const after = (await client.query<Row>(`select ${MEMBERSHIP_COLUMNS} from memberships order by nik`)).rows;
    expect(after).toEqual(membershipsBefore);
    expect(after).toHaveLength(4);
    const history = (await client.query<Row>('select id, nik, record, as_of, source, recorded_at from membership_history order by id')).rows;
    expect(history).toEqual(historyBefore);
    expect(history).toHaveLength(7);
  });

  it('gives each row and each history row its coverage', async () => {
    const keys = (await client.query<{ nik: string; coverage: string }>('select nik, coverage from memberships order by nik')).rows;
    expect(keys).toEqual([
      { nik: nik(1), coverage: 'JAKON:900100' }, { nik: nik(2), coverage: 'PU:55501' }, { nik: nik(3), coverage: 'BPU' }, { nik: nik(4), coverage: '' },
    ]);
    // Worked out from the record when read since migration 0035 (stored before it).
    const history = (await rows<{ coverage: string }>(t.database.db, sql`select ${historyCoverage('h')} as coverage from membership_history h order by id`))
      .map((r) => r.coverage);
    expect(history).toEqual(['JAKON:900100', 'JAKON:900100', 'PU:55501', 'PU:55501', 'BPU', 'BPU', '']);
  });

  it('serves the carried-over data through the API, and a second coverage of a NIK now sits beside the first', async () => {
    const headers = await t.auth('admin');
    const search = async () => (await t.app.inject({ method: 'POST', url: '/v1/memberships/search', headers, payload: { niks: [nik(1), nik(2), nik(4)] } })).json();
    const before = await search();
    expect(before.items.map((i: { nik: string; coverages: unknown[]; history: unknown[] }) => [i.nik, i.coverages.length, i.history.length]))
      .toEqual([[nik(1), 1, 2], [nik(2), 1, 2], [nik(4), 1, 1]]);
    expect(before.items[0].current).toMatchObject({ segment: 'JAKON', projectNumber: '900100', status: 'ACTIVE', asOf: '2025-06-01T00:00:00.000Z' });

    const imported = await t.app.inject({
      method: 'POST', url: '/v1/memberships/import', headers: { ...headers, 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify({ nik: nik(1), kpj: kpj(1), name: 'Pekerja 1', status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2025-03-01',
        coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '900200', asOf: '2025-06-12T00:00:00Z' })}\n`,
    });
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toMatchObject({ received: 1, inserted: 1, updated: 0 });
    const after = await search();
    expect(after.items[0].coverages.map((c: { projectNumber: string }) => c.projectNumber).sort()).toEqual(['900100', '900200']);
    expect(after.items[0].history).toHaveLength(3);
  });
});
