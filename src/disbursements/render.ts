// Shapes stored decisions for the API: messages in the reader's language, and personal data only
// for those who may see it (finance gets masked NIKs and no names, everywhere).
import { maskNik, reasonMessage, type Lang, type PolicyReason, type PolicyResult } from '../policy/index.ts';
import type { Decision, StoredReason } from './decision.ts';

export interface View {
  /** Full NIKs and names (opd of the project's OPD, inspector, admin). */
  full: boolean;
  lang: Lang;
}

export function storedReasons(result: PolicyResult): StoredReason[] {
  return result.reasons.map((r: PolicyReason): StoredReason => ({
    code: r.code,
    severity: r.severity,
    retryable: r.retryable,
    ...(r.workers ? { workers: r.workers.map((w) => ({ assignmentId: w.assignmentId, nik: w.nik, name: w.name })) } : {}),
    // Version 2 attaches the figures its messages quote; version 1's come from the premium.
    ...(r.params !== undefined ? { params: r.params } : r.code === 'PREMIUM_SHORTFALL'
      ? { params: { ...(result.premium.paid === null ? {} : { paid: result.premium.paid }), requiredForPayment: result.premium.requiredForPayment, shortfall: result.premium.shortfall } }
      : {}),
  }));
}

const OVERRIDDEN_MESSAGE = {
  id: 'Dicairkan melalui override yang disetujui Kuasa BUD: bukti kepesertaan tidak dapat diperoleh karena layanan BPJS gagal',
  en: 'Released by an override approved by the treasury: membership proof could not be had because the BPJS service failed',
};

export const workerView = (view: View, w: { nik: string; name: string }) => (view.full ? { nik: w.nik, name: w.name } : { nik: maskNik(w.nik) });

export function renderReasons(reasons: readonly StoredReason[], stage: string | null, view: View) {
  return reasons.map((r) => ({
    code: r.code,
    severity: r.severity,
    retryable: r.retryable,
    message: r.code === 'OVERRIDDEN'
      ? OVERRIDDEN_MESSAGE[view.lang]
      : reasonMessage(r.code, view.lang, { ...(r.workers ? { count: r.workers.length } : {}), stage, ...r.params }),
    ...(r.workers ? { workers: r.workers.map((w) => workerView(view, w)) } : {}),
  }));
}

/** A decision as the API answers it (the `Decision` schema). */
export function renderDecision(d: Decision, view: View) {
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
    ...(d.overriddenFrom ? { overriddenFrom: d.overriddenFrom, override: d.override ?? null } : {}),
  };
}
export type DecisionBody = ReturnType<typeof renderDecision>;

