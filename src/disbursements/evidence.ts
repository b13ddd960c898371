// The evidence a decision rests on: exactly the policy input, stored in two parts. The checked
// workers (large, and identical across decisions while nothing changes) are content-addressed in
// decision_evidence; the decision row keeps the rest with their address. The decision's
// evidenceSha256 is the SHA-256 of the RFC 8785 canonical JSON of that row document, so it
// commits to the workers through their own SHA-256 (a two-level hash, cheap per decision).
import type { PolicyApproval, PolicyInput, PolicyProject, PolicyRegistration } from '../policy/index.ts';
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import type { Bounded } from '../memberships/deadline.ts';
import type { RefreshOutcome } from '../memberships/provider.ts';
import type { EvidenceWorker } from './roster.ts';

export interface EvidenceDocument {
  project: PolicyProject;
  registration: PolicyRegistration;
  request: PolicyInput['request'];
  approvals: PolicyApproval[];
  workersSha256: string;
  /**
   * Live upstream only, and only when it happened: the provider failed or missed the deadline while
   * this decision refreshed stale data. What makes a retryable block overridable (2.6).
   */
  providerFailure?: ProviderFailure;
}

export interface ProviderFailure {
  at: string;
  kinds: Array<'FAILED' | 'DEADLINE'>;
}

/** What went wrong in a refresh's outcomes (late, thrown, or entries the provider failed), or null. */
export function providerFailureOf(outcomes: ReadonlyArray<Bounded<unknown>>, at: string): ProviderFailure | null {
  const kinds = new Set<'FAILED' | 'DEADLINE'>();
  for (const o of outcomes) {
    if (o.status === 'late') kinds.add('DEADLINE');
    else if (o.status === 'failed') kinds.add('FAILED');
    else if (((o.value as Partial<RefreshOutcome> | undefined)?.failed?.length ?? 0) > 0) kinds.add('FAILED');
  }
  return kinds.size > 0 ? { at, kinds: [...kinds].sort() } : null;
}

export function evidenceSha256(document: EvidenceDocument): string {
  return sha256Hex(canonicalJson(document));
}

/** The policy input again, from the stored document and the stored workers. */
export function policyInputOf(document: EvidenceDocument, workers: EvidenceWorker[]): PolicyInput {
  return { project: document.project, registration: document.registration, request: document.request, approvals: document.approvals, workers };
}

/** Whether stored evidence still hashes to what the decision recorded (tampering check on replay). */
export function evidenceIntact(document: EvidenceDocument, storedSha256: string, workers: EvidenceWorker[]): boolean {
  return sha256Hex(canonicalJson(workers)) === document.workersSha256 && evidenceSha256(document) === storedSha256;
}

/** What the project's registration looked like to the policy, for the evidence's readers. */
export function registrationEvidence(document: EvidenceDocument) {
  const { project, registration } = document;
  const judged = registration.source === 'upstream' && registration.state === 'FOUND';
  return {
    registrationNumber: project.bpjsRegistrationNumber,
    source: registration.source,
    state: registration.source === 'upstream' ? registration.state : null,
    status: judged ? registration.status : null,
    // BPJS's own figure (live upstream only) and the one recorded on the project.
    premiumPaidUpstream: judged ? registration.premiumPaid : null,
    premiumPaidRecorded: project.bpjsPremiumPaid,
    contractValue: project.contractValue,
    vatPercent: project.vatPercent,
    contractorEmployerNpp: project.contractorEmployerNpp,
  };
}
