// A scratch database for the bench, migrated, and a project of n workers with fresh ACTIVE
// memberships (all covered through the project's own Jakon registration).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migratePostgres } from '../src/db/migrate.ts';

export async function createScratchDatabase(adminUrl: string) {
  const name = `gerbang_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migratePostgres(url);
  return {
    name,
    url,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function seedProject(url: string, workers: number): Promise<{ id: string; registration: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    const registration = '900100200300';
    const { rows: [contractor] } = await client.query<{ id: string }>(
      `insert into contractors (name, nib, npwp, bpjs_employer_number) values ('PT Bench Konstruksi', '9120001234567', '013121660091000', '12345678') returning id`);
    // Dates relative to today in Asia/Jakarta (the server's default zone).
    const { rows: [project] } = await client.query<{ id: string }>(`
      insert into projects (code, name, opd_code, contractor_id, funding_source, fiscal_year, contract_number, contract_value,
        vat_percent, start_date, end_date, bpjs_registration_number, bpjs_premium_paid)
      select 'DPUPR-BENCH-001', 'Bench: rehabilitasi jalan', 'DPUPR', $1, 'APBD', 2025, 'SPK/BENCH/001', 1110000000, 11,
        d - 60, d + 300, $2, 1750000
      from (select (now() at time zone 'Asia/Jakarta')::date as d) t returning id`, [contractor!.id, registration]);
    await client.query(`
      with w as (
        select i, '1671' || lpad((1 + (i / 9999) % 99)::text, 2, '0') || '010190' || lpad((i % 9999 + 1)::text, 4, '0') as nik,
          '2' || lpad(i::text, 10, '0') as kpj, (now() at time zone 'Asia/Jakarta')::date as d
        from generate_series(1, $2::int) i
      ), a as (
        insert into assignments (project_id, nik, name, kpj, role, start_date)
        select $1, nik, 'Pekerja ' || i, kpj, 'TUKANG', d - 60 from w
      )
      insert into memberships (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, as_of, source)
      select nik, true, kpj, 'Pekerja ' || i, 'ACTIVE', array['JKK','JKM','JHT'], d - 60, d + 300, 'JAKON', $3, now(), 'bench' from w`,
      [project!.id, workers, registration]);
    await client.query('commit');
    return { id: project!.id, registration };
  } finally {
    await client.end();
  }
}
