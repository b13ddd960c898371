// SQL of the forecast (2.6): every project's decision inputs in one statement, and the daily run's
// append-only record of projects found at risk.
import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';
import type { DecisionInputs } from '../disbursements/repository.ts';

export interface ForecastInputs {
  inputs: DecisionInputs;
  /** From this day on, the next payment is taken to be the final one (the project's end date). */
  endDate: string;
}

/**
 * What a decision of each project would be evaluated from, for every project of an OPD (or of the
 * city) that may still be paid, in one set-based statement: the same JSON as the SQL function
 * gerbang_decision_inputs (migration 0025) builds for one project, which decisions use (calling
 * it per row costs ~0.1 ms a project). test/forecast/inputs.test.ts holds the two equal.
 */
export function forecastInputs(db: Executor, f: { opdCode: string | null; today: string }) {
  return rows<ForecastInputs>(db, sql`
    select json_build_object(
      'project', json_build_object(
        'id', p.id, 'code', p.code, 'opdCode', p.opd_code, 'startDate', p.start_date::text,
        'contractValue', p.contract_value::text, 'vatPercent', p.vat_percent::text,
        'bpjsRegistrationNumber', p.bpjs_registration_number, 'bpjsPremiumPaid', p.bpjs_premium_paid::text,
        'contractorEmployerNpp', c.bpjs_employer_number, 'regFound', r.found, 'regStatus', r.status,
        'regPremiumPaid', r.premium_paid::text, 'regPremiumRequired', r.premium_required::text,
        'regVerifiedAtMs', (extract(epoch from r.verified_at) * 1000)::float8),
      'approvals', coalesce(s.approvals, '[]'::json),
      'approvedTotal', coalesce(t.total, 0)::text,
      'version', coalesce(v.version::text, '0'),
      'valueDateLimit', (coalesce(p.maintenance_end_date, p.end_date) + 365)::text) as inputs,
      p.end_date::text as "endDate"
    from projects p join contractors c on c.id = p.contractor_id
      left join project_registrations r on r.registration_number = p.bpjs_registration_number
      left join project_roster_versions v on v.project_id = p.id
      -- The total gerbang_approved_total reads (migration 0033), kept by the triggers on approved_stages.
      left join project_approved_totals t on t.project_id = p.id
      left join (
        select s.project_id, json_agg(json_build_object('stage', s.stage, 'valueDate', s.value_date) order by s.value_date, s.stage) as approvals
        from approved_stages s group by s.project_id) s on s.project_id = p.id
    where ${f.opdCode === null ? sql`true` : sql`p.opd_code = ${f.opdCode}`}
      and coalesce(p.maintenance_end_date, p.end_date) + 365 >= ${f.today}::date`);
}

export interface AtRiskRow {
  projectId: string;
  opdCode: string;
  blockedFrom: string;
  reasons: string[];
}

/**
 * Records the day's run and its projects at risk, and answers those that are new today (not
 * recorded for this day before) and were not at risk on the previous run: the ones to notify.
 */
export async function recordAtRisk(tx: Executor, day: string, at: Date, found: readonly AtRiskRow[]): Promise<string[]> {
  await tx.execute(sql`insert into forecast_runs (day, ran_at) values (${day}, ${at.toISOString()}) on conflict (day) do nothing`);
  if (found.length === 0) return [];
  const [row] = await rows<{ fresh: string[] | null }>(tx, sql`
    with previous as (select max(day) as day from forecast_runs where day < ${day}::date),
    ins as (
      insert into forecast_at_risk (day, project_id, blocked_from, reasons, opd_code)
      select ${day}::date, x."projectId", x."blockedFrom", x.reasons, x."opdCode"
      from json_to_recordset(${JSON.stringify(found)}::json) as x("projectId" uuid, "blockedFrom" date, reasons jsonb, "opdCode" text)
      on conflict (day, project_id) do nothing
      returning project_id)
    select array_agg(ins.project_id::text) as fresh from ins
    where not exists (
      select 1 from forecast_at_risk r, previous where r.day = previous.day and r.project_id = ins.project_id)`);
  return row?.fresh ?? [];
}
