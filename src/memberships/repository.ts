import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';
import type { Membership, MembershipHistoryEntry, MembershipRecord } from './schemas.ts';

const utc = (column: SQL): SQL => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The stored membership of alias `m` as the API's Membership JSON, built in SQL so every driver
 * returns the same strings (dates as YYYY-MM-DD, instants as UTC RFC 3339). Shared with the roster.
 */
export const membershipJson = (m: string): SQL => {
  const c = (name: string) => sql.raw(`${m}.${name}`);
  return sql`json_build_object(
    'nik', ${c('nik')}, 'found', ${c('found')}, 'kpj', ${c('kpj')}, 'name', ${c('name')}, 'status', ${c('status')},
    'programs', coalesce(to_json(${c('programs')}), '[]'::json),
    'coverageStart', ${c('coverage_start')}::text, 'coverageEnd', ${c('coverage_end')}::text,
    'segment', ${c('segment')}, 'projectNumber', ${c('project_number')}, 'employerNpp', ${c('employer_npp')},
    'asOf', ${utc(c('as_of'))}, 'source', ${c('source')}, 'updatedAt', ${utc(c('updated_at'))})`;
};

// ---- Import: records are staged in a temporary table, then merged set-based in chunks. ----

/** Dropped at the end of the transaction (commit or rollback); one row per NIK (newest wins). */
export async function createStaging(tx: Executor): Promise<void> {
  await tx.execute(sql`
    create temp table membership_import (
      nik text primary key, ord integer not null, kpj text not null, name text not null, status text not null,
      programs text[] not null, coverage_start date not null, coverage_end date not null, segment text not null,
      project_number text, employer_npp text, as_of timestamptz not null
    ) on commit drop`);
}

export interface StagedRecord extends MembershipRecord {
  /** Position in the file; breaks ties between records of one NIK with the same asOf (later wins). */
  ord: number;
}

/**
 * One batch as the staging statement's parameter: the records as they are (camelCase keys, an
 * absent optional field reads as NULL). Serialised at once so that only this string, not the
 * record objects, stays alive while the batch is in flight: the V8 heap grows to a multiple of
 * what is alive at a full GC, so every megabyte kept here costs several in peak RSS.
 */
export const stagePayload = (batch: readonly StagedRecord[]): string => JSON.stringify(batch);

/**
 * Stages one batch (see stagePayload) with a single statement. The caller has already kept only
 * the newest record of each NIK within the batch (one INSERT may not touch a row twice); across
 * batches the ON CONFLICT keeps the newest (asOf, then position).
 */
export async function stageBatch(tx: Executor, payload: string): Promise<void> {
  await tx.execute(sql`
    insert into membership_import as s (nik, ord, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of)
    select nik, ord, kpj, name, status, programs, "coverageStart", "coverageEnd", segment, "projectNumber", "employerNpp", "asOf"
    from json_to_recordset(${payload}::json) as t(
      nik text, ord integer, kpj text, name text, status text, programs text[], "coverageStart" date, "coverageEnd" date,
      segment text, "projectNumber" text, "employerNpp" text, "asOf" timestamptz)
    on conflict (nik) do update set
      ord = excluded.ord, kpj = excluded.kpj, name = excluded.name, status = excluded.status, programs = excluded.programs,
      coverage_start = excluded.coverage_start, coverage_end = excluded.coverage_end, segment = excluded.segment,
      project_number = excluded.project_number, employer_npp = excluded.employer_npp, as_of = excluded.as_of
    where (excluded.as_of, excluded.ord) > (s.as_of, s.ord)`);
}

/**
 * Statistics for the merge's plan: without them an unchanged 300,000-row file merged 2.5x slower.
 * And memory for its sorts and hashes (this transaction only): with the default 4 MB each merge
 * chunk spilled to temporary files; 32 MB cut the merge's CPU time by 15% (1,000,000 new rows).
 */
export async function prepareMerge(tx: Executor): Promise<void> {
  await tx.execute(sql`analyze membership_import`);
  await tx.execute(sql`select set_config('work_mem', '32MB', true)`);
}

export interface MergeCounts {
  staged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skippedOlder: number;
}

/**
 * Merges the staged NIKs after `afterNik` (at most `limit`, in NIK order) into memberships, with a
 * history row for each new or changed record. Chunks keep every statement short on huge imports.
 * A stored record never loses to an older one: the ON CONFLICT guard holds even against a
 * concurrent import or refresh. Same content with a newer asOf only moves asOf forward.
 */
export async function mergeChunk(tx: Executor, afterNik: string, limit: number, now: Date, source: string): Promise<MergeCounts & { lastNik: string | null }> {
  const at = now.toISOString();
  const [row] = await rows<{ staged: number; inserted: number; updated: number; unchanged: number; skipped_older: number; last_nik: string | null }>(tx, sql`
    with src as (
      select s.*, m.nik is null as is_new, m.as_of as stored_as_of,
        coalesce(m.found and (m.kpj, m.name, m.status, m.programs, m.coverage_start, m.coverage_end, m.segment, m.project_number, m.employer_npp)
          is not distinct from (s.kpj, s.name, s.status, s.programs, s.coverage_start, s.coverage_end, s.segment, s.project_number, s.employer_npp), false) as same
      from (select * from membership_import where nik > ${afterNik} order by nik limit ${limit}) s
      left join memberships m on m.nik = s.nik
    ),
    written as (
      insert into memberships as m (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of, source, updated_at)
      select nik, true, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of, ${source}, ${at}::timestamptz
      from src
      where is_new or as_of > stored_as_of or (as_of = stored_as_of and not same)
      on conflict (nik) do update set
        found = true, kpj = excluded.kpj, name = excluded.name, status = excluded.status, programs = excluded.programs,
        coverage_start = excluded.coverage_start, coverage_end = excluded.coverage_end, segment = excluded.segment,
        project_number = excluded.project_number, employer_npp = excluded.employer_npp, as_of = excluded.as_of,
        source = excluded.source, updated_at = excluded.updated_at
      where m.as_of <= excluded.as_of
      returning m.nik
    ),
    history as (
      insert into membership_history (nik, record, as_of, source, recorded_at)
      select s.nik, jsonb_build_object(
          'nik', s.nik, 'found', true, 'kpj', s.kpj, 'name', s.name, 'status', s.status, 'programs', to_jsonb(s.programs),
          'coverageStart', s.coverage_start::text, 'coverageEnd', s.coverage_end::text, 'segment', s.segment,
          'projectNumber', s.project_number, 'employerNpp', s.employer_npp, 'asOf', ${utc(sql.raw('s.as_of'))}),
        s.as_of, ${source}, ${at}::timestamptz
      from src s join written w on w.nik = s.nik
      where not s.same
    )
    select count(*)::int as staged,
      (count(*) filter (where is_new))::int as inserted,
      (count(*) filter (where not is_new and as_of >= stored_as_of and not same))::int as updated,
      (count(*) filter (where not is_new and as_of >= stored_as_of and same))::int as unchanged,
      (count(*) filter (where not is_new and as_of < stored_as_of))::int as skipped_older,
      max(nik) as last_nik
    from src`);
  if (!row) throw new Error('merge returned no row');
  return {
    staged: row.staged, inserted: row.inserted, updated: row.updated, unchanged: row.unchanged,
    skippedOlder: row.skipped_older, lastNik: row.last_nik,
  };
}

// ---- Search ----

export async function findMemberships(executor: Executor, niks: readonly string[]): Promise<Membership[]> {
  const found = await rows<{ membership: Membership }>(executor, sql`
    select ${membershipJson('m')} as membership
    from memberships m
    where m.nik in (select json_array_elements_text(${JSON.stringify(niks)}::json))`);
  return found.map((r) => r.membership);
}

/** Every stored version of the NIKs, oldest first; fields missing from a record read as null. */
export async function findHistory(executor: Executor, niks: readonly string[]): Promise<MembershipHistoryEntry[]> {
  const found = await rows<{ entry: MembershipHistoryEntry }>(executor, sql`
    select json_build_object(
      'nik', h.nik, 'found', coalesce((h.record->>'found')::boolean, true), 'kpj', h.record->>'kpj', 'name', h.record->>'name',
      'status', h.record->>'status', 'programs', coalesce(h.record->'programs', '[]'::jsonb),
      'coverageStart', h.record->>'coverageStart', 'coverageEnd', h.record->>'coverageEnd', 'segment', h.record->>'segment',
      'projectNumber', h.record->>'projectNumber', 'employerNpp', h.record->>'employerNpp',
      'asOf', ${utc(sql.raw('h.as_of'))}, 'source', h.source, 'recordedAt', ${utc(sql.raw('h.recorded_at'))}) as entry
    from membership_history h
    where h.nik in (select json_array_elements_text(${JSON.stringify(niks)}::json))
    order by h.nik, h.as_of, h.id`);
  return found.map((r) => r.entry);
}
