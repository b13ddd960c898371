// The compliance dry run: what the gate would decide for a request, from stored data only. It
// never calls the provider and records nothing (no transaction, no lock, no audit event).
import type { AppContext } from '../context.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import type { PolicyResult } from '../policy/index.ts';
import { seesWorkerIdentities } from '../disbursements/access.ts';
import type { Gate } from '../disbursements/gate.ts';
import { renderReasons, storedReasons, workerView } from '../disbursements/render.ts';
import { readDecisionInputs } from '../disbursements/repository.ts';
import { valueDateTooLate } from '../disbursements/value-date.ts';
import { canSeeProject, projectNotFound } from './access.ts';

/**
 * Policy v2 (change 7) says where the required figure came from; a v1 result's is always computed.
 * The computed split is given either way.
 */
function premiumFigures(premium: PolicyResult['premium']) {
  const computed = premium.computed ?? {
    jkk: premium.required.jkk ?? 0, jkm: premium.required.jkm ?? 0, total: premium.required.total,
  };
  const required = premium.required.source === 'BPJS'
    ? { total: premium.required.total, source: 'BPJS' as const }
    : { total: premium.required.total, source: 'COMPUTED' as const, jkk: computed.jkk, jkm: computed.jkm };
  return { required, computed };
}

export interface ComplianceRequest {
  stage?: string | undefined;
  valueDate?: string | undefined;
  final: boolean;
}

export function createComplianceService(ctx: AppContext, gate: Gate) {
  const { db } = ctx.database;
  return {
    async check(meta: RequestMeta, projectId: string, q: ComplianceRequest) {
      const inputs = await readDecisionInputs(db, projectId);
      if (!inputs || !canSeeProject(meta.auth, inputs.project.opdCode)) throw projectNotFound();
      const head = inputs.project;
      const nowMs = ctx.clock().getTime();
      const roster = await gate.rosterOf(db, head.id, inputs.version);
      // Change 11: one "today" for the whole request.
      const valueDate = q.valueDate ?? ctx.today();
      const holidays = await gate.holidaysFor(db, head.startDate, valueDate);
      const request = { stage: q.stage ?? null, valueDate, final: q.final, amount: null };
      if (request.valueDate > inputs.valueDateLimit) throw valueDateTooLate(inputs.valueDateLimit);
      const gateInputs = { head, approvals: inputs.approvals, approvedTotal: Number(inputs.approvedTotal), holidays };
      const { result, checked } = gate.evaluateRequest(gateInputs, request, roster, nowMs);
      const view = { full: seesWorkerIdentities(meta.auth, head.opdCode), lang: meta.lang };
      const verified = checked.version === 1 ? checked.workers : checked.roster.persons;
      let lastVerifiedAt: string | null = null;
      for (const w of verified) if (w.verifiedAt !== null && (lastVerifiedAt === null || w.verifiedAt > lastVerifiedAt)) lastVerifiedAt = w.verifiedAt;
      return {
        projectId: head.id,
        stage: result.stage,
        valueDate: result.valueDate,
        final: result.final,
        decision: result.decision,
        reasons: renderReasons(storedReasons(result), result.stage, view),
        summary: result.summary,
        period: result.period,
        policy: result.policy,
        premium: {
          ...premiumFigures(result.premium),
          requiredForPayment: result.premium.requiredForPayment,
          paid: result.premium.paid,
          shortfall: result.premium.shortfall,
        },
        expiringSoon: result.expiringSoon.map((w) => ({ ...workerView(view, w), coverageEnd: w.coverageEnd })),
        lastVerifiedAt,
      };
    },
  };
}
