// The data of the scale bench and what it asks the database directly: the bulk load of phase B
// (1,000,000 memberships and a 10,000-worker roster on another project), vacuum/analyze, and the
// roster query of src/disbursements as the server sends it (its plan and its time).
import { PgDialect } from 'drizzle-orm/pg-core';
import type { SQL } from 'drizzle-orm';
import pg from 'pg';
import type { Executor } from '../src/db/client.ts';
import { loadRoster } from '../src/disbursements/repository.ts';

/** The i-th bulk NIK (Kota Palembang, districts 01-99, born 1-28 June 1990, serial 0001-9999). */
const NIK = `'1671' || lpad((1 + (i / (9999 * 28)) % 99)::text, 2, '0') || lpad((1 + (i / 9999) % 28)::text, 2, '0') || '0690' || lpad((i % 9999 + 1)::text, 4, '0')`;

/**
 * Phase B's load, in SQL (the HTTP import is measured on its own): `memberships` new NIKs that no
 * project of phase A employs (born June 1990; the seeded project's are born January 1990), then a
 * second project whose roster is the first `rosterWorkers` of them. Returns the seconds it took.
 */
export async function loadScale(url: string, o: { memberships: number; rosterWorkers: number }): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(`
      insert into memberships (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, as_of, source)
      select ${NIK}, true, '3' || lpad(i::text, 10, '0'), 'Pekerja ' || i, 'ACTIVE', array['JKK','JKM','JHT'], d - 30, d + 330, 'JAKON', '900100200301', now(), 'bench'
      from generate_series(0, $1::int - 1) i, (select (now() at time zone 'Asia/Jakarta')::date as d) t`, [o.memberships]);
    const { rows: [contractor] } = await client.query<{ id: string }>(
      `insert into contractors (name, nib, npwp, bpjs_employer_number) values ('PT Bench Roster Besar', '9120001234568', '013121660091001', '12345679') returning id`);
    const { rows: [project] } = await client.query<{ id: string }>(`
      insert into projects (code, name, opd_code, contractor_id, funding_source, fiscal_year, contract_number, contract_value,
        vat_percent, start_date, end_date, bpjs_registration_number, bpjs_premium_paid)
      select 'PERKIM-BENCH-002', 'Bench: roster besar', 'PERKIM', $1, 'APBD', 2025, 'SPK/BENCH/002', 50000000000, 11,
        d - 30, d + 330, '900100200301', 80000000
      from (select (now() at time zone 'Asia/Jakarta')::date as d) t returning id`, [contractor!.id]);
    await client.query(`
      insert into assignments (project_id, nik, name, kpj, role, start_date)
      select $1, ${NIK}, 'Pekerja ' || i, '3' || lpad(i::text, 10, '0'), 'TUKANG', d - 30
      from generate_series(0, $2::int - 1) i, (select (now() at time zone 'Asia/Jakarta')::date as d) t`, [project!.id, o.rosterWorkers]);
    await client.query('commit');
  } finally {
    await client.end();
  }
  await settle(url);
  return (performance.now() - started) / 1000;
}

/**
 * VACUUM (ANALYZE) and a CHECKPOINT, before each phase: fresh statistics (what ANALYZE gives), a
 * visibility map, and no autovacuum or checkpoint of the bulk load running during a measurement.
 */
export async function settle(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query('vacuum (analyze)');
    await client.query('checkpoint');
  });
}

/**
 * What autovacuum's autoanalyze does in a deployment, before each run: fresh statistics for the
 * tables the decisions grow. A plan cached while a table was nearly empty (the foreign-key checks',
 * PL/pgSQL's generic plans) reads it whole; new statistics make PostgreSQL plan again. Without
 * them (this machine's PostgreSQL runs with autovacuum off) those plans stay, and a decision's
 * statement grew from 5 to 13 ms over one phase's 80,000 decisions (auto_explain, 7 December).
 */
export async function autoanalyze(url: string): Promise<void> {
  await withClient(url, (client) => client.query('analyze disbursements, idempotency_keys, audit_events, audit_tree, approved_stages, decision_evidence'));
}

/** `use` on a connection of its own to `url`, closed afterwards. */
async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function tableCounts(url: string): Promise<{ memberships: number; assignments: number }> {
  return withClient(url, async (client) => {
    const { rows: [row] } = await client.query<{ memberships: number; assignments: number }>(
      'select (select count(*) from memberships)::int as memberships, (select count(*) from assignments)::int as assignments');
    return row!;
  });
}

/** The SQL and parameters that loadRoster sends, captured from the real function (no copy to drift). */
function rosterQuery(projectId: string): { sql: string; params: unknown[] } {
  let captured: SQL | undefined;
  const capture = { execute: async (query: SQL) => { captured = query; return { rows: [{ version: '0', assignments: [], memberships: [], history: [], corrections: [] }] }; } };
  void loadRoster(capture as unknown as Executor, projectId, 'Asia/Jakarta');
  if (!captured) throw new Error('loadRoster sent no query');
  const { sql, params } = new PgDialect().sqlToQuery(captured);
  return { sql, params };
}

export interface RosterProbe {
  /** Median execution time of the roster query alone, in ms, over `runs` runs. */
  medianMs: number;
  /** How the plan reaches the memberships table (e.g. "Index Scan using memberships_pkey"). */
  membershipsAccess: string;
  rows: number;
}

/** Runs the roster query of one project `runs` times on its own connection, and explains it once. */
export async function probeRosterQuery(url: string, projectId: string, runs = 30): Promise<RosterProbe> {
  const { sql, params } = rosterQuery(projectId);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const result = await client.query<{ assignments: unknown[] | null; memberships: unknown[] | null }>(sql, params);
      times.push(performance.now() - started);
      // loadRosters' columns (since policy version 2): assignments and memberships, a row each.
      const [row] = result.rows;
      rows = (row?.assignments?.length ?? 0) + (row?.memberships?.length ?? 0);
    }
    const { rows: [plan] } = await client.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${sql}`, params);
    times.sort((a, b) => a - b);
    return { medianMs: times[Math.floor(times.length / 2)] as number, membershipsAccess: accessOf(plan?.['QUERY PLAN'], 'memberships'), rows };
  } finally {
    await client.end();
  }
}

/** The plan nodes that read `table`, e.g. "Index Scan (memberships_pkey)" or "Seq Scan". */
function accessOf(plan: unknown, table: string): string {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n['Relation Name'] === table) found.push(`${String(n['Node Type'])}${n['Index Name'] ? ` (${String(n['Index Name'])})` : ''}`);
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === 'object') walk(value);
    }
  };
  walk(plan);
  return found.length ? [...new Set(found)].join(', ') : 'none';
}
