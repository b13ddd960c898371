// SQL of POST /v1/projects/{id}/verify: who a request valued today would check.
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';
import type { Period, PolicyApproval } from '../policy/index.ts';

export interface VerifyTarget {
  id: string;
  opdCode: string;
  startDate: string;
  registrationNumber: string | null;
  /** The project's APPROVED, unvoided stages (a void deletes its approved_stages row). */
  approvals: PolicyApproval[];
}

/** The project with its unvoided approvals, in one round trip; null when there is no such project. */
export async function findVerifyTarget(db: Executor, projectId: string): Promise<VerifyTarget | null> {
  const [row] = await rows<VerifyTarget>(db, sql`
    select p.id, p.opd_code as "opdCode", p.start_date::text as "startDate",
      p.bpjs_registration_number as "registrationNumber",
      coalesce((select json_agg(json_build_object('stage', s.stage, 'valueDate', s.value_date) order by s.value_date, s.stage)
                from approved_stages s where s.project_id = p.id), '[]'::json) as approvals
    from projects p where p.id = ${projectId}`);
  return row ?? null;
}

/**
 * The distinct NIKs (sorted) of every assignment overlapping the period, ended ones included: the
 * workers the policy checks (the same overlap as disbursements/roster.ts checkedWorkers).
 */
export async function findCheckedNiks(db: Executor, projectId: string, period: Period): Promise<string[]> {
  const [row] = await rows<{ niks: string[] }>(db, sql`
    select coalesce(json_agg(distinct a.nik order by a.nik), '[]'::json) as niks from assignments a
    where a.project_id = ${projectId} and not a.cancelled and a.start_date <= ${period.to}::date
      and (a.end_date is null or a.end_date >= ${period.from}::date)`);
  return row?.niks ?? [];
}
