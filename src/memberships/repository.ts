import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor, utc } from '../db/client.ts';
import { CopyRows } from '../db/copy.ts';
import { coverageKeyOf } from '../db/schema/memberships.ts';
import type { Membership, MembershipHistoryEntry, MembershipRecord } from './schemas.ts';

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

// ---- Import: records are COPYed into an indexed staging table, then merged in key order, in chunks. ----

const STAGED_COVERAGE = coverageKeyOf('true', 'segment', 'project_number', 'employer_npp');

/**
 * Dropped at the end of the transaction (commit or rollback). Every record as sent, with its line
 * order, its coverage (computed by the same expression as memberships') and its history record
 * (written by node, parsed by the database while node reads the next batch: built in the merge by
 * jsonb_build_object it was about a quarter of the merge, when nothing else runs). The index is
 * there before the first COPY, so each batch maintains it (bounded work per statement, however
 * large the file) and the merge reads the records in key order, newest first within a coverage,
 * without a separate deduplication pass.
 */
export async function createStaging(tx: Executor): Promise<void> {
  await tx.execute(sql`
    create temp table membership_import (
      ord integer not null, nik text not null, kpj text not null, name text not null, status text not null,
      programs text[] not null, coverage_start date not null, coverage_end date not null, segment text not null,
      project_number text, employer_npp text, as_of timestamptz not null, record jsonb not null,
      coverage text not null generated always as (${STAGED_COVERAGE}) stored
    ) on commit drop`);
  await tx.execute(sql`create index membership_import_key on membership_import (nik, coverage, as_of desc, ord desc)`);
}

/** The COPY target: the staging table's columns in the order `stageRow` writes them. */
const STAGING_COLUMNS = ['ord', 'nik', 'kpj', 'name', 'status', 'programs', 'coverage_start', 'coverage_end', 'segment', 'project_number', 'employer_npp', 'as_of', 'record'] as const;
export const STAGING_COPY_TARGET = `membership_import (${STAGING_COLUMNS.join(', ')})`;

/** A string of digits (validated) as JSON. */
const jsonDigits = (value: string | null | undefined): string => (value == null ? 'null' : `"${value}"`);

/** What records of a snapshot mostly share: the fields after the name, encoded, and in the record's JSON. */
interface SharedParts {
  record: MembershipRecord;
  /** status ... as_of, encoded for COPY. */
  fields: Buffer;
  /** The record's `"asOf"` member, with the comma after it. */
  asOfJson: string;
  /** The record's JSON from "found" on, up to its closing brace. */
  json: string;
}
let lastShared: SharedParts | null = null;

const sameShared = (a: MembershipRecord, b: MembershipRecord): boolean =>
  a.status === b.status && a.coverageStart === b.coverageStart && a.coverageEnd === b.coverageEnd && a.segment === b.segment
  && a.asOf === b.asOf && (a.projectNumber ?? null) === (b.projectNumber ?? null) && (a.employerNpp ?? null) === (b.employerNpp ?? null)
  && a.programs.length === b.programs.length && a.programs.every((p, i) => p === b.programs[i]);

/**
 * The shared parts of a record's row, kept from the last record when they are the same (encoding
 * them took most of a row's time). In the JSON every value is digits, a fixed word or a validated
 * date: nothing to escape.
 */
function sharedParts(r: MembershipRecord): SharedParts {
  if (lastShared !== null && sameShared(lastShared.record, r)) return lastShared;
  const fields = new CopyRows(256);
  fields.text(r.status);
  fields.textArray(r.programs);
  fields.date(r.coverageStart);
  fields.date(r.coverageEnd);
  fields.text(r.segment);
  fields.text(r.projectNumber ?? null);
  fields.text(r.employerNpp ?? null);
  fields.timestamptz(r.asOf);
  lastShared = {
    record: r,
    fields: Buffer.from(fields.take()),
    asOfJson: `"asOf":"${r.asOf}",`,
    json: `"found":true,"status":"${r.status}","segment":"${r.segment}","programs":[${r.programs.map((p) => `"${p}"`).join(',')}],`
      + `"coverageEnd":"${r.coverageEnd}","employerNpp":${jsonDigits(r.employerNpp)},"coverageStart":"${r.coverageStart}",`
      + `"projectNumber":${jsonDigits(r.projectNumber)}}`,
  };
  return lastShared;
}

/**
 * One validated record as a row of STAGING_COPY_TARGET. Its last field is the record as
 * membership_history keeps it, as JSON: the value `jsonb_build_object` made of the written row
 * before (the same keys; dates and asOf as the API writes them, which is what PostgreSQL's text
 * forms of these validated values are). Its keys come in jsonb's own order (shorter keys first, then
 * bytewise): jsonb sorts an object's keys on input, and keys already in order cost it one pass, not
 * a sort (the sort was about a twelfth of the database's work while staging). The name's lone
 * surrogates become U+FFFD in the JSON as in the name column (JSON would escape them, and jsonb
 * refuses such escapes).
 */
export function stageRow(rows: CopyRows, r: MembershipRecord, ord: number): void {
  const shared = sharedParts(r);
  rows.row(STAGING_COLUMNS.length);
  rows.int4(ord);
  rows.text(r.nik);
  rows.text(r.kpj);
  rows.text(r.name);
  rows.encoded(shared.fields);
  rows.jsonb(`{"kpj":"${r.kpj}","nik":"${r.nik}",${shared.asOfJson}"name":${JSON.stringify(r.name.toWellFormed())},${shared.json}`);
}

/**
 * Once everything is staged: statistics for the planner (a sample, so bounded), and settings for
 * this transaction only. JIT off: the merge statements are estimated expensive enough to be
 * compiled, and compiling them took 2.2 s of a 4.5 s chunk (about half of a 1,000,000-record
 * import) to save nothing. Memory for the merge's sorts: with the default 4 MB they spilled to disk.
 * Statistics of the key only (what the merge's plans depend on, with the row count): those of
 * every column, the history records included, took twice as long.
 */
export async function prepareMerge(tx: Executor): Promise<void> {
  await tx.execute(sql`select set_config('work_mem', '64MB', true), set_config('jit', 'off', true)`);
  await tx.execute(sql`analyze membership_import (nik, coverage)`);
}

export interface MergeCounts {
  staged: number;
  inserted: number;
  updated: number;
  unchanged: number;
  skippedOlder: number;
}

/**
 * The merge's writers (CTE `written` holds every row written, with its history record and `same`:
 * its content was already stored, so it gets no history row). Fast: new coverages are inserted by
 * a plain INSERT (should another writer store one meanwhile, it fails with a unique violation: the
 * service then merges again the safe way), so each of them is written, with the record as staged;
 * stored ones are updated in place, found by the row address (ctid) the probe read: an INSERT ...
 * ON CONFLICT DO UPDATE of a million stored rows took three times as long. Should another writer
 * have changed such a row since the probe, the update misses it (its address changed): mergeChunk
 * reports that, and the chunk is merged again the safe way, one upsert with the guard.
 */
const WRITE_FAST = (source: string, at: string): SQL => sql`
    inserted as (
      insert into memberships as m (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of, source, updated_at)
      select nik, true, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of, ${source}, ${at}::timestamptz
      from src
      where is_new
    ),
    updated as (
      update memberships m set
        found = true, kpj = s.kpj, name = s.name, status = s.status, programs = s.programs, coverage_start = s.coverage_start,
        coverage_end = s.coverage_end, as_of = s.as_of, source = ${source}, updated_at = ${at}::timestamptz
      from src s
      where not s.is_new and (s.as_of > s.stored_as_of or (s.as_of = s.stored_as_of and not s.same))
        -- Only the rows to write are fetched (unchanged ones, most of a daily snapshot, are not).
        and m.ctid = any(array(select stored_ctid from src where not is_new and (as_of > stored_as_of or (as_of = stored_as_of and not same))))
        and m.ctid = s.stored_ctid and m.nik = s.nik and m.coverage = s.coverage and m.as_of <= s.as_of
      -- The history keeps the row as written: the update leaves the stored segment, project and
      -- employer as they were (the same coverage may name another employer for a JAKON record).
      returning m.nik, m.as_of, s.same, case
        when (m.segment, m.project_number, m.employer_npp) is not distinct from (s.segment, s.project_number, s.employer_npp) then s.record
        else s.record || jsonb_build_object('segment', m.segment, 'projectNumber', m.project_number, 'employerNpp', m.employer_npp) end as record
    ),
    written as (select nik, record, as_of, false as same from src where is_new union all select nik, record, as_of, same from updated),
    written_count as (select (select count(*) from src where is_new) + (select count(*) from updated) as n),
`;

// Rare (a chunk another writer touched meanwhile), so it joins back to the probe for `same`.
const WRITE_SAFE = (source: string, at: string): SQL => sql`
    upserted as (
      insert into memberships as m (nik, found, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of, source, updated_at)
      select nik, true, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, employer_npp, as_of, ${source}, ${at}::timestamptz
      from src
      where is_new or as_of > stored_as_of or (as_of = stored_as_of and not same)
      on conflict (nik, coverage) do update set
        found = true, kpj = excluded.kpj, name = excluded.name, status = excluded.status, programs = excluded.programs,
        coverage_start = excluded.coverage_start, coverage_end = excluded.coverage_end, as_of = excluded.as_of,
        source = excluded.source, updated_at = excluded.updated_at
      where m.as_of <= excluded.as_of
      returning m.nik, m.coverage
    ),
    written as (select s.nik, s.record, s.as_of, s.same from src s join upserted u on u.nik = s.nik and u.coverage = s.coverage),
    written_count as (select count(*) as n from upserted),
`;

/**
 * Merges the next `limit` coverages after `after` (in key order) into memberships, with a history
 * row for each new or changed record, and returns the counts and the last key. A coverage of a NIK
 * repeated in the file counts once: its newest record (latest asOf; on a tie the later line), read
 * first from the staging index. Chunks keep every statement short on huge imports.
 * A stored record never loses to an older one: the ON CONFLICT guard holds even against a
 * concurrent import or refresh. Same content with a newer asOf only moves asOf forward. A NIK's
 * "not known to BPJS" row gives way to a newer record of any coverage.
 */
export async function mergeChunk(
  tx: Executor, after: readonly [string, string], limit: number, now: Date, source: string, mode: 'fast' | 'safe' = 'fast',
): Promise<MergeCounts & { last: [string, string] | null; missed: number }> {
  const at = now.toISOString();
  const [row] = await rows<{
    staged: number; inserted: number; updated: number; unchanged: number; skipped_older: number; last: [string, string] | null; missed: number;
  }>(tx, sql`
    with src as (
      select s.*, m.nik is null as is_new, m.as_of as stored_as_of, m.row_ctid as stored_ctid,
        coalesce((m.kpj, m.name, m.status, m.programs, m.coverage_start, m.coverage_end, m.segment, m.project_number, m.employer_npp)
          is not distinct from (s.kpj, s.name, s.status, s.programs, s.coverage_start, s.coverage_end, s.segment, s.project_number, s.employer_npp), false) as same
      from (
        select distinct on (nik, coverage) * from membership_import
        where (nik, coverage) > (${after[0]}, ${after[1]})
        order by nik, coverage, as_of desc, ord desc
        limit ${limit}) s
      -- One index probe per record ("limit 1" keeps it a probe): a hash join here read and hashed
      -- the whole memberships table for every chunk, 90 s of a 1,000,000-record update. With
      -- "offset 0" the planner, misled by stale statistics after a large import, chose bitmap scans.
      left join lateral (select m.*, m.ctid as row_ctid from memberships m where m.nik = s.nik and m.coverage = s.coverage limit 1) m on true
    ),
    unknown_gone as (
      -- The partial index memberships_unknown_idx holds only the "not known" rows (migration 0023).
      delete from memberships m using src s where m.coverage = '' and m.nik = s.nik and m.as_of <= s.as_of
    ),
${mode === 'fast' ? WRITE_FAST(source, at) : WRITE_SAFE(source, at)}    history as (
      -- Straight from what was written: no join back to the records, no sort.
      insert into membership_history (nik, record, as_of, source, recorded_at)
      select w.nik, w.record, w.as_of, ${source}, ${at}::timestamptz
      from written w
      where not w.same
    )
    select count(*)::int as staged,
      (count(*) filter (where is_new))::int as inserted,
      (count(*) filter (where not is_new and as_of >= stored_as_of and not same))::int as updated,
      (count(*) filter (where not is_new and as_of >= stored_as_of and same))::int as unchanged,
      (count(*) filter (where not is_new and as_of < stored_as_of))::int as skipped_older,
      -- The array is built for the one row kept (built in the sort's input, it was made for every row).
      (select json_build_array(nik, coverage) from (select nik, coverage from src order by nik desc, coverage desc limit 1) l) as last,
      (count(*) filter (where is_new or as_of > stored_as_of or (as_of = stored_as_of and not same)))::int
        - (select n from written_count)::int as missed
    from src`);
  if (!row) throw new Error('merge returned no row');
  return {
    staged: row.staged, inserted: row.inserted, updated: row.updated, unchanged: row.unchanged,
    skippedOlder: row.skipped_older, last: row.last, missed: row.missed,
  };
}

// ---- Search ----

/** Every current record (one per coverage) of the NIKs, each NIK's most recently changed first. */
export async function findMemberships(executor: Executor, niks: readonly string[]): Promise<Membership[]> {
  const found = await rows<{ membership: Membership }>(executor, sql`
    select ${membershipJson('m')} as membership
    from memberships m
    where m.nik in (select json_array_elements_text(${JSON.stringify(niks)}::json))
    order by m.nik, m.updated_at desc, m.as_of desc, m.coverage`);
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
      'asOf', ${utc(sql.raw('h.as_of'))}, 'source', h.source, 'recordedAt', ${utc(sql.raw('h.recorded_at'))},
      'ended', coalesce((h.record->>'ended')::boolean, false)) as entry
    from membership_history h
    where h.nik in (select json_array_elements_text(${JSON.stringify(niks)}::json))
    order by h.nik, h.as_of, h.id`);
  return found.map((r) => r.entry);
}
