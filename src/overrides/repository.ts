// SQL of override requests (2.6). The project row lock taken here is the one every decision of the
// project takes (gerbang_begin_decision), so an override's approval and ordinary decisions of the
// same project happen one after another.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Executor, utc } from '../db/client.ts';
import type { Decision, StoredReason } from '../disbursements/decision.ts';
import type { EvidenceDocument } from '../disbursements/evidence.ts';

/** A decision as an override judges it: the read model's columns (disbursements/decision.ts), with its evidence and override chain. */
export type BlockedDecision = Pick<Decision,
  'id' | 'projectId' | 'opdCode' | 'stage' | 'amount' | 'requestRef' | 'final' | 'decision' | 'reasons' | 'summary' | 'policyId'
  | 'policyVersion' | 'periodFrom' | 'periodTo' | 'valueDate' | 'requestedBy'> & {
  evidence: EvidenceDocument;
  /** The decision an earlier approved override created, if any. */
  overriddenBy: string | null;
  /** The decision's latest request (the end of its chain), if any, and whether it is still pending. */
  lastRequest: { id: string; pending: boolean } | null;
};

/**
 * Takes the project's row lock, the one every decision of the project takes (gerbang_begin_decision).
 * What must be judged under that lock is read by a later statement: a statement that waited for a
 * row lock still sees, in its subqueries, the data of before the wait.
 */
export async function lockProjectOf(tx: Executor, disbursementId: string): Promise<boolean> {
  const found = await rows<{ id: string }>(tx, sql`
    select p.id from disbursements d join projects p on p.id = d.project_id where d.id = ${disbursementId} for update of p`);
  return found.length > 0;
}

/** The decision, whether it was overridden and its latest request: call with the project locked. */
export async function findBlockedDecision(tx: Executor, id: string, now: Date): Promise<BlockedDecision | null> {
  const [row] = await rows<BlockedDecision>(tx, sql`
    select d.id, d.project_id as "projectId", p.opd_code as "opdCode", d.stage, d.amount::float8 as amount,
      d.request_ref as "requestRef", d.final, d.decision, d.reasons, d.summary, d.policy_id as "policyId",
      d.policy_version as "policyVersion", d.period_from::text as "periodFrom", d.period_to::text as "periodTo", d.value_date::text as "valueDate",
      d.requested_by as "requestedBy", d.evidence,
      (select o.id from disbursements o where o.overridden_from = d.id) as "overriddenBy",
      (select json_build_object('id', r.id,
          'pending', r.expires_at > ${now.toISOString()}::timestamptz and not exists (select 1 from override_decisions a where a.request_id = r.id))
        from override_requests r
        where r.disbursement_id = d.id and not exists (select 1 from override_requests n where n.follows = r.id)) as "lastRequest"
    from disbursements d join projects p on p.id = d.project_id where d.id = ${id}`);
  return row ?? null;
}

/** A new request at the end of the decision's chain: `follows` is the chain's current end (or null). */
export async function insertRequest(tx: Executor, r: {
  disbursementId: string; reason: string; evidenceRef: string | null; requestedBy: string; at: Date; expiresAt: Date; follows: string | null;
}) {
  const [row] = await rows<{ id: string }>(tx, sql`
    insert into override_requests (disbursement_id, reason, evidence_ref, requested_by, requested_at, expires_at, follows)
    values (${r.disbursementId}, ${r.reason}, ${r.evidenceRef}, ${r.requestedBy}, ${r.at.toISOString()}, ${r.expiresAt.toISOString()}, ${r.follows})
    returning id`);
  if (!row) throw new Error('insert returned nothing');
  return row.id;
}

export interface LockedRequest {
  id: string;
  requestedBy: string;
  expiresAtMs: number;
  answered: boolean;
  disbursementId: string;
  contractValue: number;
  /** APPROVED, unvoided amounts of the project. */
  approvedTotal: number;
  stageApproved: boolean;
  /** The latest valueDate a decision of the project may carry (contract 2.8). */
  valueDateLimit: string;
}

/** The request and what its approval must check: call with the project locked (lockProjectOf). */
export async function findLockedRequest(tx: Executor, id: string): Promise<LockedRequest | null> {
  const [row] = await rows<LockedRequest>(tx, sql`
    select r.id, r.requested_by as "requestedBy", (extract(epoch from r.expires_at) * 1000)::float8 as "expiresAtMs",
      exists (select 1 from override_decisions a where a.request_id = r.id) as answered,
      r.disbursement_id as "disbursementId", p.contract_value::float8 as "contractValue",
      gerbang_approved_total(p.id)::float8 as "approvedTotal",
      exists (select 1 from approved_stages s where s.project_id = p.id and s.stage = d.stage) as "stageApproved",
      (coalesce(p.maintenance_end_date, p.end_date) + 365)::text as "valueDateLimit"
    from override_requests r join disbursements d on d.id = r.disbursement_id join projects p on p.id = d.project_id
    where r.id = ${id}`);
  return row ?? null;
}

export interface NewOverrideDecision {
  id: string;
  from: BlockedDecision;
  valueDate: string;
  reasons: StoredReason[];
  evidence: EvidenceDocument;
  evidenceSha256: string;
  decidedAt: Date;
}

/**
 * The new APPROVED decision (owned by the finance client of the original), the stage's approval
 * and the treasury's answer, in one statement. The approval's primary key refuses a stage approved
 * meanwhile.
 */
export async function insertApproval(tx: Executor, d: NewOverrideDecision, answer: { requestId: string; requestedBy: string; decidedBy: string; note: string }): Promise<void> {
  const f = d.from;
  const at = d.decidedAt.toISOString();
  await tx.execute(sql`
    with n as (
      insert into disbursements (id, project_id, stage, amount, request_ref, value_date, final, decision, reasons, summary,
        policy_id, policy_version, period_from, period_to, evidence, evidence_sha256, requested_by, decided_at, overridden_from)
      values (${d.id}, ${f.projectId}, ${f.stage}, ${f.amount}, ${f.requestRef}, ${d.valueDate}, ${f.final}, 'APPROVED',
        ${JSON.stringify(d.reasons)}::jsonb, ${JSON.stringify(f.summary)}::jsonb, ${f.policyId}, ${f.policyVersion},
        ${f.periodFrom}, ${f.periodTo}, ${JSON.stringify(d.evidence)}::jsonb, ${d.evidenceSha256}, ${f.requestedBy}, ${at}, ${f.id})
      returning id),
    s as (insert into approved_stages (project_id, stage, disbursement_id, value_date, amount) select ${f.projectId}, ${f.stage}, id, ${d.valueDate}, ${f.amount} from n),
    a as (insert into override_decisions (request_id, requested_by, state, decided_by, decided_at, note, disbursement_id)
      select ${answer.requestId}, ${answer.requestedBy}, 'APPROVED', ${answer.decidedBy}, ${at}, ${answer.note}, id from n)
    select 1`);
}

export async function insertRejection(tx: Executor, a: { requestId: string; requestedBy: string; decidedBy: string; note: string; at: Date }) {
  await tx.execute(sql`insert into override_decisions (request_id, requested_by, state, decided_by, decided_at, note)
    values (${a.requestId}, ${a.requestedBy}, 'REJECTED', ${a.decidedBy}, ${a.at.toISOString()}, ${a.note})`);
}

export interface OverrideRow {
  id: string; disbursementId: string; projectId: string; projectCode: string; opdCode: string; stage: string; amount: number;
  state: 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED'; reason: string; evidenceRef: string | null; requestedBy: string;
  requestedAt: string; expiresAt: string; decidedBy: string | null; decidedAt: string | null; note: string | null;
  overrideDisbursementId: string | null; decisionRequestedBy: string; cursorAt: string;
}

const overrideColumns = (now: Date) => sql`
  r.id, r.disbursement_id as "disbursementId", d.project_id as "projectId", p.code as "projectCode", p.opd_code as "opdCode",
  d.stage, d.amount::float8 as amount,
  case when a.state is not null then a.state when r.expires_at <= ${now.toISOString()}::timestamptz then 'EXPIRED' else 'PENDING' end as state,
  r.reason, r.evidence_ref as "evidenceRef", r.requested_by as "requestedBy", ${utc(sql`r.requested_at`)} as "requestedAt",
  ${utc(sql`r.expires_at`)} as "expiresAt", a.decided_by as "decidedBy", ${utc(sql`a.decided_at`)} as "decidedAt", a.note,
  a.disbursement_id as "overrideDisbursementId", d.requested_by as "decisionRequestedBy", ${utc(sql`r.requested_at`, 'US')} as "cursorAt"`;

const overrideFrom = sql`override_requests r join disbursements d on d.id = r.disbursement_id join projects p on p.id = d.project_id
  left join override_decisions a on a.request_id = r.id`;

/** The decision a request asks to release, or null when there is no such request. */
export async function requestedDecisionOf(db: Executor, id: string): Promise<string | null> {
  const [row] = await rows<{ disbursementId: string }>(db, sql`select disbursement_id as "disbursementId" from override_requests where id = ${id}`);
  return row?.disbursementId ?? null;
}

export async function findRequest(db: Executor, id: string, now: Date): Promise<OverrideRow | null> {
  const [row] = await rows<OverrideRow>(db, sql`select ${overrideColumns(now)} from ${overrideFrom} where r.id = ${id}`);
  return row ?? null;
}

export function listRequests(db: Executor, f: { now: Date; financeSub: string | null; state?: string | undefined; opdCode?: string | undefined; after?: readonly [string, string] | undefined; limit: number }) {
  const where: SQL[] = [sql`true`];
  if (f.financeSub !== null) where.push(sql`(r.requested_by = ${f.financeSub} or d.requested_by = ${f.financeSub})`);
  if (f.opdCode) where.push(sql`p.opd_code = ${f.opdCode}`);
  if (f.after) where.push(sql`(r.requested_at, r.id) < (${f.after[0]}::timestamptz, ${f.after[1]}::uuid)`);
  const inner = sql`select ${overrideColumns(f.now)} from ${overrideFrom} where ${sql.join(where, sql` and `)}`;
  return rows<OverrideRow>(db, sql`select * from (${inner}) x ${f.state ? sql`where x.state = ${f.state}` : sql``}
    order by x."cursorAt" desc, x.id desc limit ${f.limit + 1}`);
}
