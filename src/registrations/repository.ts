// SQL of the registrations snapshot (contract 2.3): staging, the merge into project_registrations
// with history, and the reads.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor, utc } from '../db/client.ts';
import type { Registration, RegistrationHistoryEntry, RegistrationRecord } from './schemas.ts';

// A registration record as its history keeps it, built in SQL so every writer (the upstream
// refresh in bpjs/, the import here) stores the same shape.
/**
 * The record of alias `r` (columns as in project_registrations) with `asOf` the given instant;
 * `found` is its column unless given (an imported record is always found).
 */
export function registrationRecordJson(r: string, asOf: SQL, found: SQL = sql.raw(`${r}.found`)): SQL {
  const c = (name: string) => sql.raw(`${r}.${name}`);
  return sql`jsonb_build_object('projectNumber', ${c('registration_number')}, 'found', ${found}, 'status', ${c('status')},
    'contractValue', ${c('contract_value')}, 'premiumRequired', ${c('premium_required')}, 'premiumPaid', ${c('premium_paid')},
    'workersRegistered', ${c('workers_registered')}, 'coverageStart', ${c('coverage_start')}::text,
    'coverageEnd', ${c('coverage_end')}::text, 'asOf', ${utc(asOf)})`;
}

/** Dropped at the end of the transaction (commit or rollback). Every record as sent, in file order. */
export async function createRegistrationStaging(tx: Executor): Promise<void> {
  await tx.execute(sql`
    create temp table registration_import (
      ord integer not null, registration_number text not null, status text not null, contract_value bigint,
      premium_required bigint, premium_paid bigint not null, workers_registered integer, coverage_start date,
      coverage_end date, as_of timestamptz not null
    ) on commit drop`);
}

export type StagedRegistration = RegistrationRecord & { ord: number };

/** Stages one batch with a single statement (its records serialised once, as one parameter). */
export async function stageRegistrations(tx: Executor, batch: readonly StagedRegistration[]): Promise<void> {
  await tx.execute(sql`
    insert into registration_import (ord, registration_number, status, contract_value, premium_required, premium_paid,
      workers_registered, coverage_start, coverage_end, as_of)
    select ord, "projectNumber", status, "contractValue", "premiumRequired", "premiumPaid", "workersRegistered",
      "coverageStart", "coverageEnd", "asOf"
    from json_to_recordset(${JSON.stringify(batch)}::json) as t(ord integer, "projectNumber" text, status text,
      "contractValue" bigint, "premiumRequired" bigint, "premiumPaid" bigint, "workersRegistered" integer,
      "coverageStart" date, "coverageEnd" date, "asOf" timestamptz)`);
}

export interface RegistrationMergeCounts {
  staged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skippedOlder: number;
}

/**
 * Merges the newest staged record of each number (latest asOf; on a tie the later line) into
 * project_registrations (source `import`, verified_at = asOf), with a history row for each new or
 * changed record. A stored record never loses to an older one, whoever wrote it (the ON CONFLICT
 * guard holds against a concurrent upstream refresh too); same content with a newer asOf only moves
 * the freshness forward.
 */
export async function mergeRegistrations(tx: Executor, now: Date): Promise<RegistrationMergeCounts> {
  const at = now.toISOString();
  const [row] = await rows<RegistrationMergeCounts>(tx, sql`
    with newest as (
      select distinct on (registration_number) * from registration_import order by registration_number, as_of desc, ord desc
    ),
    src as (
      select s.*, p.registration_number is null as is_new, p.verified_at as stored_at,
        coalesce((p.found, p.status, p.contract_value, p.premium_required, p.premium_paid, p.workers_registered, p.coverage_start, p.coverage_end)
          is not distinct from (true, s.status, s.contract_value, s.premium_required, s.premium_paid, s.workers_registered, s.coverage_start, s.coverage_end), false) as same
      from newest s left join project_registrations p on p.registration_number = s.registration_number
    ),
    written as (
      insert into project_registrations as p (registration_number, found, status, contract_value, premium_required, premium_paid,
        workers_registered, coverage_start, coverage_end, verified_at, source, updated_at)
      select registration_number, true, status, contract_value, premium_required, premium_paid, workers_registered,
        coverage_start, coverage_end, as_of, 'import', ${at}::timestamptz
      from src where is_new or as_of > stored_at or (as_of = stored_at and not same)
      order by registration_number
      on conflict (registration_number) do update set
        found = true, status = excluded.status, contract_value = excluded.contract_value, premium_required = excluded.premium_required,
        premium_paid = excluded.premium_paid, workers_registered = excluded.workers_registered, coverage_start = excluded.coverage_start,
        coverage_end = excluded.coverage_end, verified_at = excluded.verified_at, source = excluded.source, updated_at = excluded.updated_at
      where p.verified_at <= excluded.verified_at
      returning p.registration_number
    ),
    history as (
      insert into project_registration_history (registration_number, record, as_of, source, recorded_at)
      select s.registration_number, ${registrationRecordJson('s', sql`s.as_of`, sql`true`)}, s.as_of, 'import', ${at}::timestamptz
      from src s join written w on w.registration_number = s.registration_number
      where not s.same
      order by s.registration_number
    )
    select (count(*))::int as staged,
      (count(*) filter (where is_new))::int as inserted,
      (count(*) filter (where not is_new and as_of >= stored_at and not same))::int as updated,
      (count(*) filter (where not is_new and as_of >= stored_at and same))::int as unchanged,
      (count(*) filter (where not is_new and as_of < stored_at))::int as "skippedOlder"
    from src`);
  if (!row) throw new Error('merge returned no row');
  return row;
}

const registrationColumns = (r: string, extra: SQL): SQL => {
  const c = (name: string) => sql.raw(`${r}.${name}`);
  return sql`json_build_object('projectNumber', ${c('registration_number')}, 'found', ${c('found')}, 'status', ${c('status')},
    'contractValue', ${c('contract_value')}, 'premiumRequired', ${c('premium_required')}, 'premiumPaid', ${c('premium_paid')},
    'workersRegistered', ${c('workers_registered')}, 'coverageStart', ${c('coverage_start')}::text,
    'coverageEnd', ${c('coverage_end')}::text, 'asOf', ${utc(sql.raw(`${r}.verified_at`))}, 'source', ${c('source')}, ${extra})`;
};

/** The stored record of a registration number, or null. */
export async function findRegistration(executor: Executor, number: string): Promise<Registration | null> {
  const [row] = await rows<{ registration: Registration }>(executor, sql`
    select ${registrationColumns('r', sql`'updatedAt', ${utc(sql.raw('r.updated_at'))}`)} as registration
    from project_registrations r where r.registration_number = ${number}`);
  return row?.registration ?? null;
}

/** Every stored version of a registration number, oldest first. */
export async function findRegistrationHistory(executor: Executor, number: string): Promise<RegistrationHistoryEntry[]> {
  const found = await rows<{ entry: RegistrationHistoryEntry }>(executor, sql`
    select json_build_object('projectNumber', h.registration_number, 'found', coalesce((h.record->>'found')::boolean, true),
      'status', h.record->>'status', 'contractValue', (h.record->>'contractValue')::float8, 'premiumRequired', (h.record->>'premiumRequired')::float8,
      'premiumPaid', (h.record->>'premiumPaid')::float8, 'workersRegistered', (h.record->>'workersRegistered')::int,
      'coverageStart', h.record->>'coverageStart', 'coverageEnd', h.record->>'coverageEnd',
      'asOf', ${utc(sql.raw('h.as_of'))}, 'source', h.source, 'recordedAt', ${utc(sql.raw('h.recorded_at'))}) as entry
    from project_registration_history h where h.registration_number = ${number}
    order by h.as_of, h.id`);
  return found.map((r) => r.entry);
}

/** Whether a project of the OPD carries this registration number (what lets its staff read it). */
export async function opdUsesNumber(executor: Executor, opdCode: string, number: string): Promise<boolean> {
  const [row] = await rows<{ used: boolean }>(executor, sql`
    select exists (select 1 from projects p where p.bpjs_registration_number = ${number} and p.opd_code = ${opdCode}) as used`);
  return row?.used ?? false;
}
