// The disbursement decision as Gerbang reads it back: one read model for the API's answers, the
// access rules and the signed receipt. repository.ts `decisionColumns` is the SQL that fills it.
import type { PolicyResult, ReasonCode, ReasonParams, Severity } from '../policy/index.ts';

/** A reason as stored with its decision: the named workers, and the figures its message quotes. */
export interface StoredReason {
  /** OVERRIDDEN is not the policy's: an approved override adds it to the reasons it kept (2.6). */
  code: ReasonCode | 'OVERRIDDEN';
  severity: Severity;
  retryable: boolean;
  workers?: Array<{ assignmentId: string; nik: string; name: string }>;
  params?: ReasonParams;
}

export interface Decision {
  id: string;
  projectId: string;
  projectCode: string;
  /** The OPD of the project (who may read it, who sees workers' identities). */
  opdCode: string;
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
  /** RFC 3339 UTC with milliseconds. */
  decidedAt: string;
  /** seq of its `disbursement.decided` audit event. */
  auditSeq: number | null;
  voided: { at: string; by: string; reason: string } | null;
  /** The token `sub` that requested it. */
  requestedBy: string;
  evidenceSha256: string;
  /** An override's APPROVED decision: the BLOCKED one it releases, and who asked and approved. */
  overriddenFrom?: string | null;
  override?: OverrideNote | null;
}

export interface OverrideNote {
  requestId: string;
  requestedBy: string;
  approvedBy: string;
  approvedAt: string;
}
