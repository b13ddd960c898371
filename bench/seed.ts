// A scratch database for the bench, migrated, and projects of n workers with fresh ACTIVE
// memberships (all covered through each project's own Jakon registration), and BPJS's own fresh
// record of each registration, so that a live-upstream deployment has nothing to ask either.
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

export interface SeededProject {
  id: string;
  registration: string;
}

/**
 * `projects` projects of `workers` workers each (distinct NIKs across projects), with fresh
 * memberships and registrations (as_of / verified_at now). Premium fully paid.
 */
export async function seedProjects(url: string, o: { projects: number; workers: number }): Promise<SeededProject[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    const { rows: [contractor] } = await client.query<{ id: string }>(
      `insert into contractors (name, nib, npwp, bpjs_employer_number) values ('PT Bench Konstruksi', '9120001234567', '013121660091000', '12345678') returning id`);
    // Dates relative to today in Asia/Jakarta (the server's default zone).
    const { rows: projects } = await client.query<SeededProject>(`
      insert into projects (code, name, opd_code, contractor_id, funding_source, fiscal_year, contract_number, contract_value,
        vat_percent, start_date, end_date, bpjs_registration_number, bpjs_premium_paid)
      select 'DPUPR-BENCH-' || lpad(j::text, 4, '0'), 'Bench: rehabilitasi jalan ' || j, 'DPUPR', $1, 'APBD', 2025,
        'SPK/BENCH/' || j, 1110000000, 11, d - 60, d + 300, (900100200000 + j)::text, 1750000
      from generate_series(1, $2::int) j, (select (now() at time zone 'Asia/Jakarta')::date as d) t
      order by j
      returning id, bpjs_registration_number as registration`, [contractor!.id, o.projects]);
    await client.query(`
      insert into project_registrations (registration_number, found, status, contract_value, premium_required, premium_paid,
        workers_registered, coverage_start, coverage_end, verified_at)
      select p.bpjs_registration_number, true, 'PESERTA', p.contract_value, 1750000, 1750000, $1::int, p.start_date, p.end_date, now()
      from projects p where p.code like 'DPUPR-BENCH-%'`, [o.workers]);
    await client.query(`
      with p as (
        select id, bpjs_registration_number as registration, row_number() over (order by code) - 1 as j
        from projects where code like 'DPUPR-BENCH-%'
      ), w as (
        select p.id as project_id, p.registration, p.j * $1::int + i as n, (now() at time zone 'Asia/Jakarta')::date as d
        from p, generate_series(1, $1::int) i
      ), named as (
        select project_id, registration, n, d,
          '1671' || lpad((1 + (n / 9999) % 99)::text, 2, '0') || '0101' || lpad((90 + n / (9999 * 99))::text, 2, '0')
            || lpad((n % 9999 + 1)::text, 4, '0') as nik,
          '2' || lpad(n::text, 10, '0') as kpj
        from w
      ), a as (
        insert into assignments (project_id, nik, name, kpj, role, start_date)
        select project_id, nik, 'Pekerja ' || n, kpj, 'TUKANG', d - 60 from named
      )
      insert into memberships (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, as_of, source)
      select nik, true, kpj, 'Pekerja ' || n, 'ACTIVE', array['JKK','JKM','JHT'], d - 60, d + 300, 'JAKON', registration, now(), 'bench'
      from named`, [o.workers]);
    await client.query('commit');
    return projects;
  } finally {
    await client.end();
  }
}

/** One project of n workers (the scale bench's shape). */
export async function seedProject(url: string, workers: number): Promise<SeededProject> {
  const [project] = await seedProjects(url, { projects: 1, workers });
  if (!project) throw new Error('no project seeded');
  return project;
}
