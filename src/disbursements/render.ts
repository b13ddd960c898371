// Shapes stored decisions for the API: messages in the reader's language, and personal data only
// for those who may see it (finance gets masked NIKs and no names, everywhere).
import { maskNik, reasonMessage, type Lang, type PolicyReason, type PolicyResult, type ReasonCode, type Severity } from '../policy/index.ts';
import type { DecisionRow } from './repository.ts';

/** A reason as stored with its decision: the named workers, and the figures its message quotes. */
export interface StoredReason {
  code: ReasonCode;
  severity: Severity;
  retryable: boolean;
  workers?: Array<{ assignmentId: string; nik: string; name: string }>;
  params?: { paid?: number; requiredForPayment: number; shortfall: number };
}

export interface View {
  /** Full NIKs and names (opd of the project's OPD, inspector, admin). */
  full: boolean;
  lang: Lang;
}

export interface DecisionRecord {
  id: string;
  projectId: string;
  projectCode: string;
  stage: string;
  amount: number;
  requestRef: string;
  final: boolean;
  decision: 'APPROVED' | 'BLOCKED';
  reasons: StoredReason[];
  summary: PolicyResult['summary'];
  policyId: string;
  policyVersion: number;
  periodFrom: string;
  periodTo: string;
  valueDate: string;
  decidedAt: string;
  auditSeq: number | null;
  voided: { at: string; by: string; reason: string } | null;
}

export function storedReasons(result: PolicyResult): StoredReason[] {
  return result.reasons.map((r: PolicyReason): StoredReason => ({
    code: r.code,
    severity: r.severity,
    retryable: r.retryable,
    ...(r.workers ? { workers: r.workers.map((w) => ({ assignmentId: w.assignmentId, nik: w.nik, name: w.name })) } : {}),
    ...(r.code === 'PREMIUM_SHORTFALL'
      ? { params: { ...(result.premium.paid === null ? {} : { paid: result.premium.paid }), requiredForPayment: result.premium.requiredForPayment, shortfall: result.premium.shortfall } }
      : {}),
  }));
}

export const workerView = (view: View, w: { nik: string; name: string }) => (view.full ? { nik: w.nik, name: w.name } : { nik: maskNik(w.nik) });

export function renderReasons(reasons: readonly StoredReason[], stage: string | null, view: View) {
  return reasons.map((r) => ({
    code: r.code,
    severity: r.severity,
    retryable: r.retryable,
    message: reasonMessage(r.code, view.lang, { ...(r.workers ? { count: r.workers.length } : {}), stage, ...r.params }),
    ...(r.workers ? { workers: r.workers.map((w) => workerView(view, w)) } : {}),
  }));
}

export function renderDecision(d: DecisionRecord, view: View) {
  return {
    id: d.id,
    projectId: d.projectId,
    projectCode: d.projectCode,
    stage: d.stage,
    amount: d.amount,
    requestRef: d.requestRef,
    final: d.final,
    decision: d.decision,
    reasons: renderReasons(d.reasons, d.stage, view),
    summary: d.summary,
    policy: { id: d.policyId, version: d.policyVersion },
    period: { from: d.periodFrom, to: d.periodTo },
    valueDate: d.valueDate,
    decidedAt: d.decidedAt,
    auditSeq: d.auditSeq,
    voided: d.voided,
  };
}
export type DecisionBody = ReturnType<typeof renderDecision>;

export function recordOf(row: DecisionRow): DecisionRecord {
  return {
    id: row.id,
    projectId: row.projectId,
    projectCode: row.projectCode,
    stage: row.stage,
    amount: Number(row.amount),
    requestRef: row.requestRef,
    final: row.final,
    decision: row.decision,
    reasons: row.reasons,
    summary: row.summary,
    policyId: row.policyId,
    policyVersion: row.policyVersion,
    periodFrom: row.periodFrom,
    periodTo: row.periodTo,
    valueDate: row.valueDate,
    decidedAt: row.decidedAt,
    auditSeq: row.auditSeq === null ? null : Number(row.auditSeq),
    voided: row.voidedAt === null ? null : { at: row.voidedAt, by: row.voidedBy ?? '', reason: row.voidReason ?? '' },
  };
}
