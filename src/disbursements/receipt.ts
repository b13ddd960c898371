import type { AppContext } from '../context.ts';
import { hasRole, type AuthContext } from '../http/auth.ts';
import { notFound } from '../http/problem.ts';
import { findDecisionForReceipt, type ReceiptRow } from './repository.ts';
import { signJson } from './signing.ts';

/** What a decision receipt states; the payload of its compact JWS. */
export interface ReceiptPayload {
  id: string;
  project: { id: string; code: string };
  stage: string;
  amount: number;
  requestRef: string;
  decision: string;
  reasonCodes: string[];
  policy: { id: string; version: number };
  decidedAt: string;
  auditSeq: number;
  evidenceSha256: string;
  /** Void status when the receipt was issued: a voided approval must not be filed as paid. */
  voided: { at: string } | null;
  issuedAt: string;
}

const decisionNotFound = () => notFound({ id: 'Keputusan pencairan tidak ditemukan', en: 'Disbursement decision not found' });

/** Finance reads its own decisions, OPD staff their OPD's, inspector and admin all; anyone else 404. */
export function canReadDecision(auth: AuthContext, row: Pick<ReceiptRow, 'requested_by' | 'opd_code'>): boolean {
  if (hasRole(auth, 'admin', 'inspector')) return true;
  if (hasRole(auth, 'finance') && row.requested_by === auth.sub) return true;
  return hasRole(auth, 'opd') && auth.opd === row.opd_code;
}

function reasonCodes(reasons: unknown): string[] {
  if (!Array.isArray(reasons)) return [];
  const codes = reasons.map((r) => (r && typeof r === 'object' ? (r as { code?: unknown }).code : undefined)).filter((c): c is string => typeof c === 'string');
  return [...new Set(codes)];
}

export function receiptPayload(row: ReceiptRow, issuedAt: Date): ReceiptPayload {
  if (row.audit_seq === null) {
    // The decision and its event commit together; a decision without one means the log was tampered with.
    throw new Error(`decision ${row.id} has no disbursement.decided audit event`);
  }
  return {
    id: row.id,
    project: { id: row.project_id, code: row.project_code },
    stage: row.stage,
    amount: Number(row.amount),
    requestRef: row.request_ref,
    decision: row.decision,
    reasonCodes: reasonCodes(row.reasons),
    policy: { id: row.policy_id, version: Number(row.policy_version) },
    decidedAt: row.decided_at,
    auditSeq: Number(row.audit_seq),
    evidenceSha256: row.evidence_sha256,
    voided: row.voided_at === null ? null : { at: row.voided_at },
    issuedAt: issuedAt.toISOString(),
  };
}

/** GET /v1/disbursements/{id}/receipt: the signed receipt, for the finance system to file with the SP2D. */
export async function issueReceipt(ctx: AppContext, auth: AuthContext, id: string): Promise<{ jws: string }> {
  const row = await findDecisionForReceipt(ctx.database.db, id);
  if (!row || !canReadDecision(auth, row)) throw decisionNotFound();
  return { jws: await signJson(ctx.keys.auditSigningKey, 'gerbang-receipt+jws', receiptPayload(row, ctx.clock())) };
}
