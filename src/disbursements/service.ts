// The decisions feature behind every /v1/disbursements route: deciding (decide.ts), reading,
// voiding, replaying and signing receipts. Who may do what is access.ts's answer.
import { appendAudit } from '../audit/append.ts';
import type { AuditEvent } from '../audit/chain.ts';
import { receiptProof } from '../audit/receipt-proof.ts';
import { canonicalJson } from '../canonical-json.ts';
import type { AppContext } from '../context.ts';
import { createdAtIdCursor, decodeCursor, encodeCursor } from '../http/pagination.ts';
import { AppError } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { asMembership, evaluateVersioned, maskNik, type PolicyMembership, type PolicyResult } from '../policy/index.ts';
import { canReadDecision, canVoidDecision, decisionNotFound, decisionScope, seesWorkerIdentities } from './access.ts';
import type { Decision, StoredReason } from './decision.ts';
import { createDecider, type Log } from './decide.ts';
import { evidenceIntact, policyInputOf, registrationEvidence, type EvidenceDocument } from './evidence.ts';
import type { Gate } from './gate.ts';
import { signReceipt } from './receipt.ts';
import type { EvidenceRosterV2, EvidenceWorker } from './roster.ts';
import { renderDecision, renderReasons, storedReasons, type View } from './render.ts';
import {
  findDecision, findDecisionWithEvidence, findEvidenceWorkers, insertVoid, isVoided, listDecisions, lockDecisionForVoid,
} from './repository.ts';
import type { DecisionRequest, listQuery } from './schemas.ts';
import type { z } from 'zod';

/** What replay compares of the reasons: the policy's judgement, not how it is worded or shown. */
const reasonOutline = (reasons: readonly StoredReason[]) =>
  reasons.map((r) => ({ code: r.code, severity: r.severity, retryable: r.retryable, workers: r.workers?.map((w) => w.assignmentId) ?? null }));

type UsedMembership = Omit<PolicyMembership, 'kpj'> & { kpj?: string | null };

function usedMembership(m: PolicyMembership, view: View): UsedMembership {
  return { ...m, nik: view.full ? m.nik : maskNik(m.nik), ...(view.full ? {} : { kpj: undefined }) };
}

function evidenceEntries(roster: EvidenceWorker[] | EvidenceRosterV2, result: PolicyResult, view: View) {
  if (!Array.isArray(roster)) return evidenceEntriesV2(roster, result, view);
  const judged = new Map(result.workers.map((w) => [w.assignmentId, w]));
  return roster.map((w) => {
    const j = judged.get(w.assignmentId);
    const m = w.membership;
    return {
      assignmentId: w.assignmentId,
      nik: view.full ? w.nik : maskNik(w.nik),
      ...(view.full ? { name: w.name, kpj: w.kpj } : {}),
      assignment: { startDate: w.startDate, endDate: w.endDate },
      lookup: w.lookup,
      membership: m === null ? null : usedMembership(m, view),
      verifiedAt: w.verifiedAt,
      outcome: j?.outcome ?? 'UNVERIFIED',
      codes: j?.codes ?? [],
    };
  });
}

/** Version 2: one entry per checked assignment, with the judgement of its person and every coverage considered. */
function evidenceEntriesV2(roster: EvidenceRosterV2, result: PolicyResult, view: View) {
  const persons = new Map(roster.persons.map((p) => [p.nik, p]));
  const judged = new Map(result.workers.map((w) => [w.nik, w]));
  return roster.assignments.map((a) => {
    const p = persons.get(a.nik);
    const j = judged.get(a.nik);
    const fit = j?.coverage ?? null;
    const chosen = fit === null || p === undefined ? undefined
      : p.coverages.find((c) => c.segment === fit.segment && c.projectNumber === fit.projectNumber && c.employerNpp === fit.employerNpp);
    return {
      assignmentId: a.assignmentId,
      nik: view.full ? a.nik : maskNik(a.nik),
      ...(view.full ? { name: a.name, kpj: a.kpj } : {}),
      assignment: { startDate: a.startDate, endDate: a.endDate, reportedStartDate: a.reportedStartDate, reportedEndDate: a.reportedEndDate },
      lookup: p?.lookup ?? 'UNVERIFIED',
      membership: chosen === undefined ? null : usedMembership(asMembership(chosen), view),
      coverages: (p?.coverages ?? []).map((c) => ({ ...usedMembership(asMembership(c), view), fresh: c.fresh })),
      verifiedAt: p?.verifiedAt ?? null,
      outcome: j?.outcome ?? 'UNVERIFIED',
      codes: j?.codes ?? [],
    };
  });
}

/** The decisions feature: every /v1/disbursements route calls this. */
export function createDisbursementService(ctx: AppContext, gate: Gate) {
  const { db } = ctx.database;
  const decider = createDecider(ctx, gate);
  const viewOf = (meta: RequestMeta, d: Decision): View => ({ full: seesWorkerIdentities(meta.auth, d.opdCode), lang: meta.lang });

  async function visibleDecision(meta: RequestMeta, id: string) {
    const row = await findDecisionWithEvidence(db, id);
    if (!row || !canReadDecision(meta.auth, row)) throw decisionNotFound();
    return row;
  }

  async function reEvaluate(row: Decision & { evidence: EvidenceDocument }) {
    const workers = await findEvidenceWorkers(db, row.evidence.workersSha256);
    if (workers === null) throw new Error(`evidence ${row.evidence.workersSha256} of decision ${row.id} is missing`);
    const input = policyInputOf(row.evidence, workers);
    // Replay runs the version the decision was made under, whatever POLICY_VERSION says today.
    if (input.version !== row.policyVersion) throw new Error(`decision ${row.id}: evidence of version ${input.version}, decided under ${row.policyVersion}`);
    return { workers, result: evaluateVersioned(input) };
  }

  return {
    /** POST /v1/disbursements (decide.ts). */
    decide(meta: RequestMeta, body: DecisionRequest, key: string, log: Log) {
      return decider.decide(meta, body, key, log);
    },

    async get(meta: RequestMeta, id: string) {
      const row = await visibleDecision(meta, id);
      const view = viewOf(meta, row);
      // Outcomes and codes are recomputed from the stored input: evaluation is pure.
      const { workers, result } = await reEvaluate(row);
      // Evidence with full NIKs and names is a personal-data read (finance's masked view is not).
      if (view.full) ctx.accessLog.record(meta, Array.isArray(workers) ? workers.length : workers.assignments.length);
      return {
        ...renderDecision(row, view),
        evidenceSha256: row.evidenceSha256,
        registration: registrationEvidence(row.evidence),
        evidence: evidenceEntries(workers, result, view),
      };
    },

    async replay(meta: RequestMeta, id: string) {
      const row = await visibleDecision(meta, id);
      const view = viewOf(meta, row);
      const { workers, result } = await reEvaluate(row);
      // An approved override released what the policy BLOCKED (2.6): the judgement it kept is that block.
      const judged = row.overriddenFrom ? { decision: 'BLOCKED', reasons: row.reasons.filter((r) => r.code !== 'OVERRIDDEN') } : row;
      const matches = result.decision === judged.decision
        && result.period.from === row.periodFrom && result.period.to === row.periodTo
        && canonicalJson(result.summary) === canonicalJson(row.summary)
        && canonicalJson(reasonOutline(storedReasons(result))) === canonicalJson(reasonOutline(judged.reasons));
      return {
        matches,
        evidenceIntact: evidenceIntact(row.evidence, row.evidenceSha256, workers),
        decision: result.decision,
        reasons: renderReasons(storedReasons(result), row.stage, view),
        summary: result.summary,
        period: result.period,
        policy: result.policy,
      };
    },

    async list(meta: RequestMeta, q: z.infer<typeof listQuery>) {
      const after = decodeCursor(q.cursor, createdAtIdCursor);
      const found = await listDecisions(db, {
        scope: decisionScope(meta.auth), projectId: q.projectId, decision: q.decision,
        from: q.from, to: q.to, timeZone: ctx.config.LOCAL_TIMEZONE, after, limit: q.limit,
      });
      const page = found.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => renderDecision(row, viewOf(meta, row))),
        nextCursor: found.length > q.limit && last ? encodeCursor([last.cursorAt, last.id]) : null,
      };
    },

    /** Voids an APPROVED decision under the project lock, freeing its stage for a new request. */
    async void(meta: RequestMeta, id: string, reason: string) {
      await db.transaction(async (tx) => {
        const d = await lockDecisionForVoid(tx, id);
        if (!d || !canVoidDecision(meta.auth, d)) throw decisionNotFound();
        if (d.decision !== 'APPROVED') {
          throw new AppError('NOT_VOIDABLE', { detail: { id: 'Hanya keputusan APPROVED yang dapat dibatalkan; keputusan ini BLOCKED', en: 'Only APPROVED decisions can be voided; this one is BLOCKED' } });
        }
        if (await isVoided(tx, id)) throw new AppError('ALREADY_VOIDED');
        await insertVoid(tx, { id, at: ctx.clock(), by: meta.auth.sub, reason });
        await appendAudit(tx, {
          actor: meta.actor, action: 'disbursement.voided', entityType: 'disbursement', entityId: id,
          data: { projectId: d.projectId, stage: d.stage, reason }, requestId: meta.requestId,
          notify: ctx.outbox.notice('disbursement.voided', d.opdCode, { id, projectId: d.projectId, stage: d.stage, reason, voidedBy: meta.auth.sub }),
        }, ctx.clock);
      });
      const row = await findDecision(db, id);
      if (!row) throw decisionNotFound();
      return renderDecision(row, viewOf(meta, row));
    },

    /** GET /v1/disbursements/{id}/receipt: who may read the decision may have its receipt. */
    async receipt(meta: RequestMeta, id: string): Promise<{ jws: string; note: string; event: AuditEvent }> {
      const row = await findDecision(db, id);
      if (!row || !canReadDecision(meta.auth, row)) throw decisionNotFound();
      // The decision and its event commit together; a decision without one means the log was tampered with.
      if (row.auditSeq === null) throw new Error(`decision ${row.id} has no disbursement.decided audit event`);
      const proof = await receiptProof(ctx, row.auditSeq);
      return { jws: await signReceipt(ctx.keys.auditSigningKey, row, ctx.clock(), proof.payload), note: proof.note, event: proof.event };
    },
  };
}
