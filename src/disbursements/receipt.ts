// GET /v1/disbursements/{id}/receipt: a decision's signed receipt, for the finance system to file
// with the SP2D. It states the decision and the hash of its evidence; the evidence itself stays here.
import type { ReceiptProof } from '../audit/receipt-proof.ts';
import { signJson } from '../audit/signing.ts';
import type { SigningKey } from '../keys.ts';
import type { Decision } from './decision.ts';

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
  /** Present when an approved override made this decision: what it released and who decided. */
  override?: { from: string; requestedBy: string; approvedBy: string; approvedAt: string };
  issuedAt: string;
  /** Contract 2.7: the decision's event is leaf leafIndex (auditSeq - 1) of the tree of treeSize with rootHash. */
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  /** RFC 9162 inclusion path (base64), leaf side first. */
  inclusion: string[];
}

export function receiptPayload(d: Decision, issuedAt: Date, proof: ReceiptProof['payload']): ReceiptPayload {
  if (d.auditSeq === null) {
    // The decision and its event commit together; a decision without one means the log was tampered with.
    throw new Error(`decision ${d.id} has no disbursement.decided audit event`);
  }
  return {
    id: d.id,
    project: { id: d.projectId, code: d.projectCode },
    stage: d.stage,
    amount: d.amount,
    requestRef: d.requestRef,
    decision: d.decision,
    reasonCodes: [...new Set(d.reasons.map((r) => r.code))],
    policy: { id: d.policyId, version: d.policyVersion },
    decidedAt: d.decidedAt,
    auditSeq: d.auditSeq,
    evidenceSha256: d.evidenceSha256,
    voided: d.voided === null ? null : { at: d.voided.at },
    ...(d.overriddenFrom && d.override
      ? { override: { from: d.overriddenFrom, requestedBy: d.override.requestedBy, approvedBy: d.override.approvedBy, approvedAt: d.override.approvedAt } }
      : {}),
    issuedAt: issuedAt.toISOString(),
    ...proof,
  };
}

/** The compact JWS (ES256) over the receipt payload. */
export const signReceipt = (key: SigningKey, d: Decision, issuedAt: Date, proof: ReceiptProof['payload']): Promise<string> =>
  signJson(key, 'gerbang-receipt+jws', receiptPayload(d, issuedAt, proof));
