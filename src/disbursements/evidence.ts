// The evidence a decision rests on: exactly the policy input, stored in two parts. The checked
// roster (large, and identical across decisions while nothing changes) is content-addressed in
// decision_evidence; the decision row keeps the rest with its address. The decision's
// evidenceSha256 is the SHA-256 of the RFC 8785 canonical JSON of that row document, so it
// commits to the roster through its own SHA-256 (a two-level hash, cheap per decision).
// Version 1's document keeps its original shape; version 2's holds every input v2 judges
// (recorded spans and corrections, every coverage considered, the holidays used, the approved
// total and the contract value), so replay needs nothing else.
import type {
  PolicyApproval, PolicyInput, PolicyInputV2, PolicyProject, PolicyRegistration, VersionedInput,
} from '../policy/index.ts';
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import type { Bounded } from '../memberships/deadline.ts';
import type { RefreshOutcome } from '../memberships/provider.ts';
import type { EvidenceRosterV2, EvidenceWorker } from './roster.ts';

export interface EvidenceDocumentV1 {
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

/** The evidence document of a decision except its roster part (stored by content address). */
export type EvidenceInput =
  | { policyVersion: 1; project: PolicyInput['project']; registration: PolicyRegistration; request: PolicyInput['request']; approvals: PolicyApproval[] }
  | (Omit<PolicyInputV2, 'assignments' | 'persons'> & { policyVersion: 2 });

export type EvidenceDocumentV2 = Omit<PolicyInputV2, 'assignments' | 'persons'> & {
  policyVersion: 2;
  workersSha256: string;
  /** As in version 1's document. */
  providerFailure?: ProviderFailure;
};

export type EvidenceDocument = EvidenceDocumentV1 | EvidenceDocumentV2;

/** The document stored on the decision row for an evaluation's input and its roster's address. */
export function evidenceDocument(input: EvidenceInput, workersSha256: string): EvidenceDocument {
  if (input.policyVersion === 1) {
    const { project, registration, request, approvals } = input;
    return { project, registration, request, approvals, workersSha256 };
  }
  return { ...input, workersSha256 };
}

export function evidenceSha256(document: EvidenceDocument): string {
  return sha256Hex(canonicalJson(document));
}

export const isV2Document = (document: EvidenceDocument): document is EvidenceDocumentV2 =>
  'policyVersion' in document && document.policyVersion === 2;

/** The policy input again, from the stored document and the stored roster part. */
export function policyInputOf(document: EvidenceDocument, roster: EvidenceWorker[] | EvidenceRosterV2): VersionedInput {
  if (isV2Document(document)) {
    if (Array.isArray(roster)) throw new Error('a version 2 decision with version 1 evidence');
    const { policyVersion: _version, workersSha256: _sha, ...rest } = document;
    return { version: 2, input: { ...rest, assignments: roster.assignments, persons: roster.persons } };
  }
  if (!Array.isArray(roster)) throw new Error('a version 1 decision with version 2 evidence');
  const { project, registration, request, approvals } = document;
  return { version: 1, input: { project, registration, request, approvals, workers: roster } };
}

/** Whether stored evidence still hashes to what the decision recorded (tampering check on replay). */
export function evidenceIntact(document: EvidenceDocument, storedSha256: string, roster: EvidenceWorker[] | EvidenceRosterV2): boolean {
  return sha256Hex(canonicalJson(roster)) === document.workersSha256 && evidenceSha256(document) === storedSha256;
}

/** What the project's registration looked like to the policy, for the evidence's readers. */
export function registrationEvidence(document: EvidenceDocument) {
  const { project } = document;
  const common = {
    registrationNumber: project.bpjsRegistrationNumber,
    premiumPaidRecorded: project.bpjsPremiumPaid,
    contractValue: project.contractValue,
    vatPercent: project.vatPercent,
    contractorEmployerNpp: project.contractorEmployerNpp,
  };
  if (isV2Document(document)) {
    const reg = document.registration;
    const found = reg.state === 'FOUND';
    return {
      ...common,
      source: 'registration' as const,
      state: reg.state,
      status: found ? reg.status : null,
      premiumPaidUpstream: found ? reg.premiumPaid : null,
      premiumRequiredUpstream: found ? reg.premiumRequired : null,
      approvedTotal: document.approvedTotal,
      holidays: document.holidays,
      corrections: document.corrections.map((c) => ({ id: c.id, assignmentId: c.assignmentId, correctedOn: c.correctedOn, before: c.before })),
    };
  }
  const { registration } = document;
  const judged = registration.source === 'upstream' && registration.state === 'FOUND';
  return {
    ...common,
    source: registration.source,
    state: registration.source === 'upstream' ? registration.state : null,
    status: judged ? registration.status : null,
    // BPJS's own figure (live upstream only) and the one recorded on the project.
    premiumPaidUpstream: judged ? registration.premiumPaid : null,
  };
}
