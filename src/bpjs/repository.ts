// Set-based writes of upstream answers: one statement per table, whatever the number of rows.
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';
import { coverageKeyOf } from '../db/schema/memberships.ts';
import { registrationRecordJson } from '../registrations/repository.ts';

/** A membership as Gerbang stores it (the contract's membership record). */
export interface MembershipRow {
  nik: string;
  found: boolean;
  kpj: string | null;
  name: string | null;
  status: 'ACTIVE' | 'INACTIVE' | null;
  programs: string[] | null;
  coverageStart: string | null;
  coverageEnd: string | null;
  segment: 'JAKON' | 'PU' | 'BPU' | null;
  projectNumber: string | null;
  employerNpp: string | null;
}

export interface RegistrationRow {
  registrationNumber: string;
  found: boolean;
  status: 'MENDAFTAR' | 'PESERTA' | null;
  contractValue: number | null;
  premiumRequired: number | null;
  premiumPaid: number | null;
  workersRegistered: number | null;
  coverageStart: string | null;
  coverageEnd: string | null;
}

const COVERAGE = coverageKeyOf('found', 'segment', 'project_number', 'employer_npp');

/**
 * Stores BPJS's answers (contract 2.2): each answered NIK's records are its complete set, so a
 * stored coverage the answer leaves out stops being current (removed, with an `ended` history
 * record), and a "not found" answer ends them all. Coverages are upserted (sorted, so concurrent
 * refreshes lock rows in one order) with a history row for each new or changed record; a stored
 * record newer than `asOf` is kept. Returns the NIKs whose records changed.
 */
export async function upsertMemberships(tx: Executor, records: readonly MembershipRow[], asOf: Date, source: string): Promise<string[]> {
  const asOfText = asOf.toISOString();
  const payload = JSON.stringify(
    [...records]
      .sort((a, b) => (a.nik < b.nik ? -1 : a.nik > b.nik ? 1 : 0))
      .map((r) => ({
        nik: r.nik, found: r.found, kpj: r.kpj, name: r.name, status: r.status, programs: r.programs,
        coverage_start: r.coverageStart, coverage_end: r.coverageEnd, segment: r.segment,
        project_number: r.projectNumber, employer_npp: r.employerNpp,
        // The same shape as the import's history records (memberships/repository.ts).
        record: { ...r, programs: r.programs ?? [], asOf: asOfText },
      })),
  );
  const [result] = await rows<{ changed: string[] }>(tx, sql`
    with incoming as (
      select r.*, ${COVERAGE} as coverage from jsonb_to_recordset(${payload}::jsonb) as r(
        nik text, found boolean, kpj text, name text, status text, programs text[], coverage_start date,
        coverage_end date, segment text, project_number text, employer_npp text, record jsonb)
    ),
    previous as (
      select m.* from memberships m where m.nik in (select nik from incoming)
    ),
    ended as (
      delete from memberships m
      where m.nik in (select nik from incoming) and m.as_of <= ${asOfText}::timestamptz
        and not exists (select 1 from incoming i where i.nik = m.nik and i.coverage = m.coverage)
      returning m.*
    ),
    upserted as (
      insert into memberships as m (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment,
                                    project_number, employer_npp, as_of, source, updated_at)
      select nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number,
             employer_npp, ${asOfText}::timestamptz, ${source}, now()
      from incoming order by nik, coverage
      on conflict (nik, coverage) do update set
        found = excluded.found, kpj = excluded.kpj, name = excluded.name, status = excluded.status,
        programs = excluded.programs, coverage_start = excluded.coverage_start, coverage_end = excluded.coverage_end,
        segment = excluded.segment, project_number = excluded.project_number, employer_npp = excluded.employer_npp,
        as_of = excluded.as_of, source = excluded.source, updated_at = excluded.updated_at
      where m.as_of <= excluded.as_of
      returning m.nik, m.coverage
    ),
    history as (
      insert into membership_history (nik, record, as_of, source)
      select i.nik, i.record, ${asOfText}::timestamptz, ${source}
      from incoming i
      join upserted u on u.nik = i.nik and u.coverage = i.coverage
      left join previous p on p.nik = i.nik and p.coverage = i.coverage
      where p.nik is null
         or (p.found, p.kpj, p.name, p.status, p.programs, p.coverage_start, p.coverage_end, p.segment, p.project_number, p.employer_npp)
            is distinct from
            (i.found, i.kpj, i.name, i.status, i.programs, i.coverage_start, i.coverage_end, i.segment, i.project_number, i.employer_npp)
      union all
      select e.nik, jsonb_build_object('nik', e.nik, 'found', e.found, 'kpj', e.kpj, 'name', e.name, 'status', e.status,
          'programs', coalesce(to_jsonb(e.programs), '[]'::jsonb), 'coverageStart', e.coverage_start::text,
          'coverageEnd', e.coverage_end::text, 'segment', e.segment, 'projectNumber', e.project_number,
          'employerNpp', e.employer_npp, 'asOf', ${asOfText}::text, 'ended', true),
        ${asOfText}::timestamptz, ${source}
      from ended e
      returning nik
    )
    select coalesce((select json_agg(distinct nik) from history), '[]'::json) as changed`);
  return [...(result?.changed ?? [])].sort();
}

/**
 * Upserts BPJS's view of project registrations (source `upstream`), with a history row for each
 * new or changed record; a stored record newer than `verifiedAt` (an imported snapshot's) is kept.
 * Returns the numbers whose data changed.
 */
export async function upsertRegistrations(tx: Executor, records: readonly RegistrationRow[], verifiedAt: Date): Promise<string[]> {
  const at = verifiedAt.toISOString();
  const payload = JSON.stringify(
    [...records]
      .sort((a, b) => (a.registrationNumber < b.registrationNumber ? -1 : a.registrationNumber > b.registrationNumber ? 1 : 0))
      .map((r) => ({
        registration_number: r.registrationNumber, found: r.found, status: r.status, contract_value: r.contractValue,
        premium_required: r.premiumRequired, premium_paid: r.premiumPaid, workers_registered: r.workersRegistered,
        coverage_start: r.coverageStart, coverage_end: r.coverageEnd,
      })),
  );
  const [result] = await rows<{ changed: string[] }>(tx, sql`
    with incoming as (
      select * from jsonb_to_recordset(${payload}::jsonb) as r(
        registration_number text, found boolean, status text, contract_value bigint, premium_required bigint,
        premium_paid bigint, workers_registered integer, coverage_start date, coverage_end date)
    ),
    previous as (
      select p.* from project_registrations p join incoming i on i.registration_number = p.registration_number
    ),
    upserted as (
      insert into project_registrations as p (registration_number, found, status, contract_value, premium_required,
                                              premium_paid, workers_registered, coverage_start, coverage_end, verified_at, source, updated_at)
      select registration_number, found, status, contract_value, premium_required, premium_paid, workers_registered,
             coverage_start, coverage_end, ${at}::timestamptz, 'upstream', now()
      from incoming order by registration_number
      on conflict (registration_number) do update set
        found = excluded.found, status = excluded.status, contract_value = excluded.contract_value,
        premium_required = excluded.premium_required, premium_paid = excluded.premium_paid,
        workers_registered = excluded.workers_registered, coverage_start = excluded.coverage_start,
        coverage_end = excluded.coverage_end, verified_at = excluded.verified_at, source = excluded.source,
        updated_at = excluded.updated_at
      where p.verified_at <= excluded.verified_at
      returning p.registration_number
    ),
    changed as (
      select i.* from incoming i
      join upserted u on u.registration_number = i.registration_number
      left join previous p on p.registration_number = i.registration_number
      where p.registration_number is null
         or (p.found, p.status, p.contract_value, p.premium_required, p.premium_paid, p.workers_registered, p.coverage_start, p.coverage_end)
            is distinct from
            (i.found, i.status, i.contract_value, i.premium_required, i.premium_paid, i.workers_registered, i.coverage_start, i.coverage_end)
    ),
    history as (
      insert into project_registration_history (registration_number, record, as_of, source)
      select c.registration_number, ${registrationRecordJson('c', sql`${at}::timestamptz`)}, ${at}::timestamptz, 'upstream'
      from changed c order by c.registration_number
    )
    select coalesce((select json_agg(registration_number order by registration_number) from changed), '[]'::json) as changed`);
  return result?.changed ?? [];
}
