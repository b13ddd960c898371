// SQL that only the dashboard's pictures need: aggregates over decisions for the Inspektorat's
// overview, and the approved stages that tell OPD staff which stage comes next.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';

export interface WeekBucket {
  week: string;
  opdCode: string;
  decision: 'APPROVED' | 'BLOCKED';
  count: number;
  amount: string;
}

export interface ReasonCount {
  code: string;
  decisions: number;
  projects: number;
}

export interface ContractorBlocks {
  contractorId: string;
  name: string;
  blocked: number;
  blockedAmount: string;
  decisions: number;
  projects: number;
}

const opdFilter = (opdCode: string | undefined): SQL => (opdCode ? sql`and p.opd_code = ${opdCode}` : sql``);

/** Decisions per local week (Monday) since `from`, per OPD and outcome, with their amounts. */
export function decisionsByWeek(db: Executor, q: { from: string; timeZone: string; opdCode?: string | undefined }): Promise<WeekBucket[]> {
  return rows<WeekBucket>(db, sql`
    select to_char(date_trunc('week', (d.decided_at at time zone ${q.timeZone}))::date, 'YYYY-MM-DD') as week,
           p.opd_code as "opdCode", d.decision, count(*)::int as count, sum(d.amount)::text as amount
    from disbursements d join projects p on p.id = d.project_id
    where d.decided_at >= (${q.from}::date::timestamp at time zone ${q.timeZone}) ${opdFilter(q.opdCode)}
    group by 1, 2, 3 order by 1, 2, 3`);
}

/** The block codes that stopped most decisions since `from`. */
export function topBlockReasons(db: Executor, q: { from: string; timeZone: string; opdCode?: string | undefined; limit: number }): Promise<ReasonCount[]> {
  return rows<ReasonCount>(db, sql`
    select r->>'code' as code, count(distinct d.id)::int as decisions, count(distinct d.project_id)::int as projects
    from disbursements d join projects p on p.id = d.project_id
    cross join lateral jsonb_array_elements(d.reasons) r
    where d.decision = 'BLOCKED' and r->>'severity' = 'block'
      and d.decided_at >= (${q.from}::date::timestamp at time zone ${q.timeZone}) ${opdFilter(q.opdCode)}
    group by 1 order by 2 desc, 1 limit ${q.limit}`);
}

/** Contractors whose projects had the most blocked payment requests since `from`. */
export function contractorsMostBlocked(db: Executor, q: { from: string; timeZone: string; opdCode?: string | undefined; limit: number }): Promise<ContractorBlocks[]> {
  return rows<ContractorBlocks>(db, sql`
    select c.id as "contractorId", c.name,
           (count(*) filter (where d.decision = 'BLOCKED'))::int as blocked,
           coalesce(sum(d.amount) filter (where d.decision = 'BLOCKED'), 0)::text as "blockedAmount",
           count(*)::int as decisions, count(distinct p.id)::int as projects
    from disbursements d join projects p on p.id = d.project_id join contractors c on c.id = p.contractor_id
    where d.decided_at >= (${q.from}::date::timestamp at time zone ${q.timeZone}) ${opdFilter(q.opdCode)}
    group by c.id, c.name having count(*) filter (where d.decision = 'BLOCKED') > 0
    order by 3 desc, 4 desc, 2 limit ${q.limit}`);
}

/** The stages approved (and not voided) per project, for "what comes next". */
export async function approvedStages(db: Executor, projectIds: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (projectIds.length === 0) return found;
  const list = await rows<{ projectId: string; stages: string[] }>(db, sql`
    select d.project_id as "projectId", array_agg(distinct d.stage) as stages
    from disbursements d
    where d.project_id in (${sql.join(projectIds.map((id) => sql`${id}::uuid`), sql`, `)})
      and d.decision = 'APPROVED' and not exists (select 1 from disbursement_voids v where v.disbursement_id = d.id)
    group by d.project_id`);
  for (const r of list) found.set(r.projectId, r.stages);
  return found;
}
