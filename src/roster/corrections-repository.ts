import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor, utc } from '../db/client.ts';
import type { CorrectionSpan } from './corrections-schemas.ts';

const snapshot = sql`jsonb_build_object('projectId', a.project_id, 'nik', a.nik, 'name', a.name, 'kpj', a.kpj,
  'role', a.role, 'startDate', a.start_date::text, 'endDate', a.end_date::text,
  'removedAt', ${utc(sql`a.removed_at`)}, 'reportedStartDate', a.reported_start_date::text,
  'reportedEndDate', a.reported_end_date::text, 'cancelled', a.cancelled)`;

/**
 * Applies a correction: the assignment takes the corrected dates (or is cancelled, leaving the
 * active roster) and loses its reported dates; the history row and the correction record are
 * written by the same statement. Returns the correction's id and time.
 */
export async function applyCorrection(tx: Executor, input: {
  projectId: string; assignmentId: string; before: CorrectionSpan; after: CorrectionSpan; reason: string; now: Date; by: string;
}): Promise<{ id: string; correctedAt: string }> {
  const { after, by } = input;
  const now = input.now.toISOString();
  const [row] = await rows<{ id: string; correctedAt: string }>(tx, sql`
    with corrected as (
      update assignments a
      set start_date = ${after.startDate}::date, end_date = ${after.endDate}::date, reported_start_date = null,
          reported_end_date = null, cancelled = ${after.cancelled},
          removed_at = case when ${after.cancelled} then coalesce(a.removed_at, ${now}::timestamptz) else a.removed_at end,
          updated_at = ${now}::timestamptz
      where a.id = ${input.assignmentId} and a.project_id = ${input.projectId}
      returning a.*
    ),
    history as (
      insert into assignment_history (assignment_id, change, snapshot, changed_at, changed_by)
      select a.id, 'CORRECTED', ${snapshot}, ${now}::timestamptz, ${by} from corrected a
    ),
    c as (
      insert into roster_corrections (project_id, assignment_id, before, after, reason, corrected_at, corrected_by)
      select project_id, id, ${JSON.stringify(input.before)}::jsonb, ${JSON.stringify(after)}::jsonb, ${input.reason},
        ${now}::timestamptz, ${by}
      from corrected
      returning id, corrected_at
    )
    select id, ${utc(sql`corrected_at`)} as "correctedAt" from c`);
  if (!row) throw new Error('correction wrote no row');
  return row;
}

export interface CorrectionRow {
  id: string;
  projectId: string;
  projectCode: string;
  assignmentId: string;
  nik: string;
  before: CorrectionSpan;
  after: CorrectionSpan;
  reason: string;
  correctedAt: string;
  correctedBy: string;
  cursorAt: string;
}

export interface CorrectionFilter {
  opdCode?: string | undefined;
  projectId?: string | undefined;
  /** Calendar dates are whole local days in `timeZone`; instants are taken as they are. */
  from?: { date: string } | { instant: string } | undefined;
  to?: { date: string } | { instant: string } | undefined;
  timeZone: string;
  after?: readonly [string, string] | undefined;
  limit: number;
}

/** Newest first, keyed by (corrected_at, id) for the cursor. */
export function listCorrections(db: Executor, f: CorrectionFilter): Promise<CorrectionRow[]> {
  const where: SQL[] = [sql`true`];
  if (f.opdCode !== undefined) where.push(sql`p.opd_code = ${f.opdCode}`);
  if (f.projectId !== undefined) where.push(sql`r.project_id = ${f.projectId}`);
  if (f.from !== undefined) {
    where.push('date' in f.from
      ? sql`r.corrected_at >= (${f.from.date}::date::timestamp at time zone ${f.timeZone})`
      : sql`r.corrected_at >= ${f.from.instant}::timestamptz`);
  }
  if (f.to !== undefined) {
    where.push('date' in f.to
      ? sql`r.corrected_at < ((${f.to.date}::date + 1)::timestamp at time zone ${f.timeZone})`
      : sql`r.corrected_at <= ${f.to.instant}::timestamptz`);
  }
  if (f.after) where.push(sql`(r.corrected_at, r.id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`);
  return rows<CorrectionRow>(db, sql`
    select r.id, r.project_id as "projectId", p.code as "projectCode", r.assignment_id as "assignmentId", a.nik,
      r.before, r.after, r.reason, ${utc(sql`r.corrected_at`)} as "correctedAt", r.corrected_by as "correctedBy",
      ${utc(sql`r.corrected_at`, 'US')} as "cursorAt"
    from roster_corrections r join projects p on p.id = r.project_id join assignments a on a.id = r.assignment_id
    where ${sql.join(where, sql` and `)}
    order by r.corrected_at desc, r.id desc limit ${f.limit + 1}`);
}
