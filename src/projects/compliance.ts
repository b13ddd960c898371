// The compliance dry run: what the gate would decide for a request, from stored data only. It
// never calls the provider and records nothing (no transaction, no lock, no audit event).
import type { AppContext } from '../context.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { seesWorkerIdentities } from '../disbursements/access.ts';
import type { Gate } from '../disbursements/gate.ts';
import { renderReasons, storedReasons, workerView } from '../disbursements/render.ts';
import { readDecisionInputs } from '../disbursements/repository.ts';
import { valueDateTooLate } from '../disbursements/value-date.ts';
import { canSeeProject, projectNotFound } from './access.ts';

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
      const request = { stage: q.stage ?? null, valueDate: q.valueDate ?? ctx.today(), final: q.final };
      if (request.valueDate > inputs.valueDateLimit) throw valueDateTooLate(inputs.valueDateLimit);
      const { result, checked } = gate.evaluateRequest(head, inputs.approvals, request, roster, nowMs);
      const view = { full: seesWorkerIdentities(meta.auth, head.opdCode), lang: meta.lang };
      let lastVerifiedAt: string | null = null;
      for (const w of checked.workers) if (w.verifiedAt !== null && (lastVerifiedAt === null || w.verifiedAt > lastVerifiedAt)) lastVerifiedAt = w.verifiedAt;
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
          required: result.premium.required,
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
