// SQL of the gate. Every statement is written to need one round trip; dates come back as
// YYYY-MM-DD text, timestamps as UTC text, money (bigint) as text.
import { sql, type SQL } from 'drizzle-orm';
import type { AppendedAudit } from '../audit/append.ts';
import { preparedRows, rows, type Executor, utc } from '../db/client.ts';
import { historyCoverage } from '../db/schema/membership-history.ts';
import type { PolicyApproval } from '../policy/index.ts';
import type { DecisionScope } from './access.ts';
import type { Decision } from './decision.ts';
import type { EvidenceDocument } from './evidence.ts';
import type { EvidenceRosterV2, EvidenceWorker, RawRoster } from './roster.ts';

export type ProjectRef = { id: string } | { code: string };

/**
 * The project as the policy needs it, with its contractor's NPP and BPJS's registration row: what
 * the SQL function gerbang_decision_inputs (migration 0012) returns as `project`, for decisions and
 * dry runs alike. A change here is a change there (a new migration replacing the function).
 */
export interface ProjectHead {
  id: string;
  code: string;
  opdCode: string;
  startDate: string;
  contractValue: string;
  vatPercent: string;
  bpjsRegistrationNumber: string | null;
  bpjsPremiumPaid: string;
  contractorEmployerNpp: string | null;
  regFound: boolean | null;
  regStatus: string | null;
  regPremiumPaid: string | null;
  regVerifiedAtMs: number | null;
  /** BPJS's required premium on the registration row (policy v2, change 7); null when it gave none. */
  regPremiumRequired: string | null;
}

export interface StoredKey {
  requestSha256: string;
  disbursementId: string;
}

const versionOf = (projectId: SQL): SQL => sql`coalesce((select v.version::text from project_roster_versions v where v.project_id = ${projectId}), '0')`;

/** What a decision is evaluated from: the project, its APPROVED unvoided stages, its roster version. */
export interface DecisionInputs {
  project: ProjectHead;
  approvals: PolicyApproval[];
  /** The sum of the APPROVED, unvoided amounts (policy v2, change 12), read under the same lock. */
  approvedTotal: string;
  version: string;
  /** The latest valueDate a request may carry: maintenanceEndDate (or endDate) + 365 days (migration 0014). */
  valueDateLimit: string;
}

export interface DecisionStart {
  /** false: another transaction holds the idempotency key. */
  locked: boolean;
  idem?: StoredKey;
  /** Absent: no such project. */
  inputs?: DecisionInputs;
}

/**
 * The first statement of a decision's transaction (see migrations 0009, 0012 and 0029,
 * gerbang_begin_decision): the key's advisory lock, the stored answer for the key, the project's
 * row lock, and then (read after the lock) the project, the approvals the request's evaluation
 * reads (its stage's and the latest on or before its value date: policy approvalsFor), the
 * approved total and its roster version, in one round trip. It also
 * lets this transaction commit without waiting for the WAL flush; the caller waits for it with
 * `flushWal` afterwards, outside the project and audit-chain locks, so concurrent decisions share
 * one flush.
 */
export async function beginDecision(
  tx: Executor, input: { lockKey: bigint; sub: string; key: string; ref: ProjectRef; stage: string | null; valueDate: string },
): Promise<DecisionStart> {
  const id = 'id' in input.ref ? input.ref.id : null;
  const code = 'code' in input.ref ? input.ref.code : null;
  const [row] = await rows<{ start: DecisionStart }>(tx, sql`
    select set_config('synchronous_commit', 'off', true),
      gerbang_begin_decision(${input.lockKey.toString()}::bigint, ${input.sub}, ${input.key}, ${id}::uuid, ${code},
        ${input.stage}, ${input.valueDate}::date) as start`);
  return row?.start ?? { locked: false };
}


/** The compliance dry run's single read: what a decision would be evaluated from, without a lock. */
export async function readDecisionInputs(db: Executor, projectId: string): Promise<DecisionInputs | null> {
  const [row] = await preparedRows<{ inputs: DecisionInputs | null }>(db, sql`select gerbang_decision_inputs(${projectId}::uuid) as inputs`);
  return row?.inputs ?? null;
}

/**
 * Projects' whole rosters in one round trip: for each, every assignment (with its recorded span),
 * every stored coverage of their NIKs (one row per coverage), those coverages' earlier periods (for
 * continuous coverage), and the project's corrections with their local date, read at one version.
 * One project for a decision; many for the forecast's cold start.
 */
export async function loadRosters(db: Executor, projectIds: readonly string[], timeZone: string): Promise<Array<RawRoster & { projectId: string }>> {
  return rows<RawRoster & { projectId: string }>(db, sql`
    select p.id as "projectId", ${versionOf(sql`p.id`)} as version, r.*
    from unnest(${`{${projectIds.join(',')}}`}::uuid[]) as p(id)
    cross join lateral (
      with a as (select * from assignments where project_id = p.id),
      n as (select distinct nik from a)
      select
        coalesce((select json_agg(json_build_array(a.id, a.nik, a.name, a.kpj, a.start_date, a.end_date,
          a.reported_start_date, a.reported_end_date, a.cancelled)) from a), '[]'::json) as assignments,
        coalesce((select json_agg(json_build_array(m.nik, m.found, m.kpj, m.status, m.programs, m.coverage_start, m.coverage_end,
          m.segment, m.project_number, m.employer_npp, (extract(epoch from m.as_of) * 1000)::float8,
          (extract(epoch from m.updated_at) * 1000)::float8, m.coverage) order by m.nik, m.coverage)
          from memberships m join n on n.nik = m.nik), '[]'::json) as memberships,
        coalesce((select json_agg(json_build_array(h.nik, ${historyCoverage('h')}, h.record->>'coverageStart', h.record->>'coverageEnd') order by h.id)
          from membership_history h join n on n.nik = h.nik
          where coalesce((h.record->>'found')::boolean, true) and h.record->>'status' = 'ACTIVE'), '[]'::json) as history,
        coalesce((select json_agg(json_build_array(c.id, c.assignment_id, a.nik, a.name,
          (c.corrected_at at time zone ${timeZone})::date::text, c.before) order by c.corrected_at)
          from roster_corrections c join a on a.id = c.assignment_id), '[]'::json) as corrections
    ) r`);
}

/** One project's roster (a decision's cache miss). */
export async function loadRoster(db: Executor, projectId: string, timeZone: string): Promise<RawRoster> {
  const [roster] = await loadRosters(db, [projectId], timeZone);
  if (!roster) throw new Error(`no roster read for ${projectId}`);
  return roster;
}

/** A decision to store: the read model's own columns, with its evidence document. */
export type NewDecision = Omit<Decision, 'projectCode' | 'opdCode' | 'decidedAt' | 'auditSeq' | 'voided'> & {
  evidence: EvidenceDocument;
  decidedAt: Date;
};

/**
 * The decision, its evidence (unless already stored), the approval of the stage and the
 * idempotency key, as data-modifying CTEs that the audit append runs in its own statement
 * (appendAudit's `changes`): the decision and its event cost one round trip. They end in
 * `written`, which reads every insert to its end, so all of them (a first decision's 1,000-worker
 * evidence included) are done before the append takes the chain's lock. The approval's primary
 * key refuses a second approval. `guarded`: they write only when a CTE `go` (decideInOneStatement)
 * yields its row.
 */
export function decisionInserts(
  d: NewDecision, key: { key: string; requestSha256: string }, workers: { sha256: string; canonical: () => string } | null, guarded = false,
): SQL {
  const decidedAt = d.decidedAt.toISOString();
  const from = guarded ? sql` from go` : sql``;
  return sql`
    ev as (${workers
    ? sql`insert into decision_evidence (sha256, body) select ${workers.sha256}, ${workers.canonical()}::jsonb${from} on conflict (sha256) do nothing returning 1`
    : sql`select 1 where false`}),
    d as (
      insert into disbursements (id, project_id, stage, amount, request_ref, value_date, final, decision, reasons, summary,
        policy_id, policy_version, period_from, period_to, evidence, evidence_sha256, requested_by, decided_at)
      select ${d.id}, ${d.projectId}, ${d.stage}, ${d.amount}, ${d.requestRef}, ${d.valueDate}, ${d.final}, ${d.decision},
        ${JSON.stringify(d.reasons)}::jsonb, ${JSON.stringify(d.summary)}::jsonb, ${d.policyId}, ${d.policyVersion},
        ${d.periodFrom}, ${d.periodTo}, ${JSON.stringify(d.evidence)}::jsonb, ${d.evidenceSha256}, ${d.requestedBy}, ${decidedAt}${from}
      returning id),
    a as (${d.decision === 'APPROVED'
    ? sql`insert into approved_stages (project_id, stage, disbursement_id, value_date, amount) select ${d.projectId}, ${d.stage}, id, ${d.valueDate}, ${d.amount} from d returning 1`
    : sql`select 1 where false`}),
    k as (insert into idempotency_keys (sub, key, request_sha256, disbursement_id, created_at) select ${d.requestedBy}, ${key.key}, ${key.requestSha256}, id, ${decidedAt} from d returning 1),
    written as (select (select count(*) from ev) + (select count(*) from a) + (select count(*) from k) as rows)`;
}

/** The request a decision's check (gerbang_decision_check, migration 0030) is about. */
export interface CheckRequest {
  lockKey: bigint;
  sub: string;
  key: string;
  ref: ProjectRef;
  stage: string | null;
  valueDate: string;
}

/** What gerbang_decision_check answers (see migration 0030). */
export interface DecisionCheck {
  /** false: another transaction holds the idempotency key. */
  locked: boolean;
  idem?: StoredKey;
  /** The inputs as read now (a read, or a guess that was not current); absent with idem or no project. */
  inputs?: DecisionInputs;
  latest?: PolicyApproval | null;
  /** A webhook subscribes to the decision: decide in a transaction (decide.ts decideInTransaction). */
  subscribed?: true;
  /** The statement wrote the decision; `after` is the project once it commits. */
  ok?: true;
  after?: ProjectAfter;
}

/** What a decision's statement says the project is once it commits (decision-state.ts remembers it). */
export interface ProjectAfter {
  approvedTotal: string;
  latest: PolicyApproval | null;
}

const checkCall = (r: CheckRequest, expected: DecisionInputs | null, approveAmount: number | null, event: string): SQL => {
  const id = 'id' in r.ref ? r.ref.id : null;
  const code = 'code' in r.ref ? r.ref.code : null;
  return sql`gerbang_decision_check(${r.lockKey.toString()}::bigint, ${r.sub}, ${r.key}, ${id}::uuid, ${code}, ${r.stage},
    ${r.valueDate}::date, ${expected === null ? null : JSON.stringify(expected)}::jsonb, ${approveAmount}::bigint, ${event})`;
};

/** Before a decision whose project this process does not know (or must not guess): the stored answer for the key, or the inputs. */
export async function readDecision(db: Executor, r: CheckRequest): Promise<DecisionCheck> {
  const [row] = await rows<{ check: DecisionCheck }>(db, sql`select ${checkCall(r, null, null, '')} as check`);
  return row?.check ?? { locked: true };
}

/**
 * A decision in one statement, outside any transaction: the check (migration 0030) locks the key
 * and the project and compares the inputs the decision was evaluated on (`expected`) with those
 * read under the lock; only when it says ok do `inserts` (decisionInserts, guarded) and the audit
 * append (`append`, its call) run. The statement commits on its own, without waiting for the
 * WAL flush (the caller waits with flushWal). Prepared: its text is one of four (with or without
 * the evidence and the approval).
 */
export async function decideInOneStatement(
  db: Executor, r: CheckRequest, expected: DecisionInputs, approveAmount: number | null, event: string, inserts: SQL, append: SQL,
): Promise<{ check: DecisionCheck; appended: AppendedAudit | null }> {
  const [row] = await preparedRows<{ check: DecisionCheck; appended: AppendedAudit | null }>(db, sql`
    with chk as materialized (select ${checkCall(r, expected, approveAmount, event)} as r),
    go as (select 1 from chk where (chk.r->>'ok')::boolean),
    ${inserts}
    select chk.r as check, (select ${append} from written, go) as appended from chk`);
  if (!row) throw new Error('the decision statement returned nothing');
  return row;
}

/** Fills the read model `Decision` (decision.ts) from `d` (disbursements), `p` (projects), `v` (voids). */
const decisionColumns = sql`
  d.id, d.project_id as "projectId", p.code as "projectCode", p.opd_code as "opdCode", d.stage, d.amount::float8 as amount,
  d.request_ref as "requestRef", d.value_date::text as "valueDate", d.final, d.decision, d.reasons, d.summary,
  d.policy_id as "policyId", d.policy_version as "policyVersion", d.period_from::text as "periodFrom",
  d.period_to::text as "periodTo", d.evidence_sha256 as "evidenceSha256", d.requested_by as "requestedBy",
  ${utc(sql`d.decided_at`)} as "decidedAt",
  (select e.seq::float8 from audit_events e where e.entity_id = d.id::text and e.action = 'disbursement.decided' order by e.seq limit 1) as "auditSeq",
  case when v.disbursement_id is null then null
    else json_build_object('at', ${utc(sql`v.at`)}, 'by', v.by, 'reason', v.reason) end as voided,
  d.overridden_from as "overriddenFrom",
  case when d.overridden_from is null then null else (
    select json_build_object('requestId', o.request_id, 'requestedBy', o.requested_by, 'approvedBy', o.decided_by,
      'approvedAt', ${utc(sql`o.decided_at`)})
    from override_decisions o where o.disbursement_id = d.id) end as override`;

const decisionFrom = sql`disbursements d join projects p on p.id = d.project_id left join disbursement_voids v on v.disbursement_id = d.id`;

export async function findDecision(db: Executor, id: string): Promise<Decision | null> {
  const [row] = await rows<Decision>(db, sql`select ${decisionColumns} from ${decisionFrom} where d.id = ${id}`);
  return row ?? null;
}

/** The decision with the evidence document it rests on (the workers' part stays in decision_evidence). */
export async function findDecisionWithEvidence(db: Executor, id: string): Promise<(Decision & { evidence: EvidenceDocument }) | null> {
  const [row] = await rows<Decision & { evidence: EvidenceDocument }>(db, sql`
    select ${decisionColumns}, d.evidence from ${decisionFrom} where d.id = ${id}`);
  return row ?? null;
}

/** The content-addressed roster part of a decision's evidence: v1's workers, or v2's assignments and persons. */
export async function findEvidenceWorkers(db: Executor, sha256: string): Promise<EvidenceWorker[] | EvidenceRosterV2 | null> {
  const [row] = await rows<{ body: EvidenceWorker[] | EvidenceRosterV2 }>(db, sql`select body from decision_evidence where sha256 = ${sha256}`);
  return row?.body ?? null;
}

export interface ListFilter {
  /** Which decisions the caller may see (access.ts). */
  scope: DecisionScope;
  projectId?: string | undefined;
  decision?: 'APPROVED' | 'BLOCKED' | undefined;
  /** decidedAt on or after: a date YYYY-MM-DD (from the start of that day in timeZone) or an RFC 3339 instant. */
  from?: string | undefined;
  /** decidedAt on or before: a date (to the end of that day in timeZone) or an RFC 3339 instant. */
  to?: string | undefined;
  timeZone: string;
  after?: readonly [string, string] | undefined;
  limit: number;
}

function scopeCondition(scope: DecisionScope): SQL {
  if (scope.all) return sql`true`;
  const parts: SQL[] = [];
  if (scope.requestedBy !== null) parts.push(sql`d.requested_by = ${scope.requestedBy}`);
  if (scope.opdCode !== null) parts.push(sql`p.opd_code = ${scope.opdCode}`);
  return parts.length === 0 ? sql`false` : sql`(${sql.join(parts, sql` or `)})`;
}

const isDate = (value: string): boolean => value.length === 10;

/** A page of decisions, newest first, one more than `limit` when there are more. */
export async function listDecisions(db: Executor, f: ListFilter) {
  const tz = f.timeZone;
  const conditions: SQL[] = [scopeCondition(f.scope)];
  if (f.projectId) conditions.push(sql`d.project_id = ${f.projectId}`);
  if (f.decision) conditions.push(sql`d.decision = ${f.decision}`);
  if (f.from !== undefined) {
    conditions.push(isDate(f.from) ? sql`d.decided_at >= (${f.from}::date::timestamp at time zone ${tz})` : sql`d.decided_at >= ${f.from}::timestamptz`);
  }
  if (f.to !== undefined) {
    conditions.push(isDate(f.to) ? sql`d.decided_at < ((${f.to}::date + 1)::timestamp at time zone ${tz})` : sql`d.decided_at <= ${f.to}::timestamptz`);
  }
  if (f.after) conditions.push(sql`(d.decided_at, d.id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`);
  return rows<Decision & { cursorAt: string }>(db, sql`
    select ${decisionColumns}, ${utc(sql`d.decided_at`, 'US')} as "cursorAt"
    from ${decisionFrom} where ${sql.join(conditions, sql` and `)}
    order by d.decided_at desc, d.id desc limit ${f.limit + 1}`);
}

/** Locks the decision's project (voids and decisions of one project serialise) and reads it. */
export async function lockDecisionForVoid(tx: Executor, id: string) {
  const [row] = await rows<{ id: string; projectId: string; opdCode: string; stage: string; decision: string; requestedBy: string }>(tx, sql`
    select d.id, d.project_id as "projectId", p.opd_code as "opdCode", d.stage, d.decision, d.requested_by as "requestedBy"
    from disbursements d join projects p on p.id = d.project_id where d.id = ${id} for update of p`);
  return row ?? null;
}

export async function isVoided(tx: Executor, id: string): Promise<boolean> {
  const [row] = await rows<{ voided: boolean }>(tx, sql`select exists (select 1 from disbursement_voids where disbursement_id = ${id}) as voided`);
  return row?.voided === true;
}

/** The void record, and the stage freed for a new approval, in one statement. */
export async function insertVoid(tx: Executor, v: { id: string; at: Date; by: string; reason: string }) {
  await tx.execute(sql`
    with v as (insert into disbursement_voids (disbursement_id, at, by, reason) values (${v.id}, ${v.at.toISOString()}, ${v.by}, ${v.reason})),
    s as (delete from approved_stages where disbursement_id = ${v.id})
    select 1`);
}
