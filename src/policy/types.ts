// Inputs and outputs of the policy. The caller (disbursement service, compliance dry run, replay)
// gathers the data; the policy only judges it, so the same input always gives the same result.
import type { IsoDate } from './dates.ts';

export type { IsoDate };

export const POLICY_ID = 'perwali-palembang-3-2025';

// In the order of the contract's policy table; reasons are reported in this order. Version 2's
// codes (contract 2.4) sit beside their kin; version 1 never produces them, and the relative order
// of version 1's codes is unchanged, so its stored decisions replay byte for byte.
export const REASON_CODES = [
  'PROJECT_NOT_REGISTERED',
  'EMPTY_ROSTER',
  'WORKER_NOT_FOUND',
  'MEMBERSHIP_INACTIVE',
  'PROGRAM_MISSING',
  'COVERAGE_LAPSED',
  'OTHER_PROJECT_COVERAGE',
  'OTHER_EMPLOYER_COVERAGE',
  'EMPLOYER_NUMBER_MISSING',
  'KPJ_MISMATCH',
  'MEMBERSHIP_UNVERIFIED',
  'PROJECT_UNVERIFIED',
  'STAGE_ALREADY_APPROVED',
  'AMOUNT_EXCEEDS_CONTRACT',
  'PREMIUM_SHORTFALL',
  'PREMIUM_FIGURE_MISMATCH',
  'COVERAGE_EXPIRING_SOON',
  'COVERAGE_STARTED_LATE',
  'SELF_PAID_COVERAGE',
  'ROSTER_CORRECTED',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];
export type Severity = 'block' | 'warn';

export interface PolicyMembership {
  nik: string;
  kpj: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  programs: string[];
  coverageStart: IsoDate;
  coverageEnd: IsoDate | null;
  segment: 'JAKON' | 'PU' | 'BPU';
  projectNumber: string | null;
  employerNpp: string | null;
  asOf: string;
}

export interface PolicyWorker {
  assignmentId: string;
  nik: string;
  name: string;
  kpj: string | null;
  startDate: IsoDate;
  endDate: IsoDate | null;
  // Decided by the caller from freshness and provider: FOUND means a fresh membership is present.
  lookup: 'FOUND' | 'NOT_FOUND' | 'UNVERIFIED';
  // May be present (stale) even when lookup is UNVERIFIED, as evidence; the policy then ignores it.
  membership: PolicyMembership | null;
}

export type PolicyRegistration =
  | { source: 'snapshot' }
  | { source: 'upstream'; state: 'FOUND'; status: 'MENDAFTAR' | 'PESERTA'; premiumPaid: number }
  | { source: 'upstream'; state: 'NOT_FOUND' }
  | { source: 'upstream'; state: 'UNVERIFIED' };

export interface PolicyProject {
  id: string;
  code: string;
  startDate: IsoDate;
  contractValue: number;
  vatPercent: string;
  bpjsRegistrationNumber: string | null;
  bpjsPremiumPaid: number;
  contractorEmployerNpp: string | null;
}

export interface PolicyApproval {
  stage: string;
  valueDate: IsoDate;
}

export interface PolicyInput {
  project: PolicyProject;
  registration: PolicyRegistration;
  // stage null = compliance dry run without a stage: the already-approved check is skipped.
  request: { stage: string | null; valueDate: IsoDate; final: boolean };
  approvals: PolicyApproval[]; // the project's APPROVED, unvoided decisions
  workers: PolicyWorker[]; // may be a superset; the policy keeps the assignments overlapping the period
}

export interface ReasonWorker {
  assignmentId: string;
  nik: string;
  name: string;
}

/** Figures a reason's message quotes (version 2 attaches them; version 1's come from `premium`). */
export interface ReasonParams {
  paid?: number;
  requiredForPayment?: number;
  shortfall?: number;
  premiumRequiredBpjs?: number;
  premiumComputed?: number;
  amount?: number;
  approvedTotal?: number;
  contractValue?: number;
}

export interface PolicyReason {
  code: ReasonCode;
  severity: Severity;
  retryable: boolean;
  workers?: ReasonWorker[];
  params?: ReasonParams;
}

export type WorkerOutcome = 'COMPLIANT' | 'NON_COMPLIANT' | 'UNVERIFIED';

export interface WorkerResult {
  assignmentId: string;
  nik: string;
  outcome: WorkerOutcome;
  codes: ReasonCode[]; // block and warn codes, in table order
  lastDay: IsoDate; // the day coverage was judged on
  // Version 2 judges persons: every checked assignment of the NIK (assignmentId is the one judged
  // on lastDay), and the coverage the judgement rests on (null when none was judged).
  assignmentIds?: string[];
  coverage?: { segment: PolicyMembership['segment']; projectNumber: string | null; employerNpp: string | null } | null;
}

export interface Period {
  from: IsoDate;
  to: IsoDate;
}

export interface PolicyResult {
  policy: { id: string; version: number };
  decision: 'APPROVED' | 'BLOCKED';
  stage: string | null;
  valueDate: IsoDate;
  final: boolean; // effective: requested final, or a PELUNASAN/RETENSI stage
  period: Period;
  reasons: PolicyReason[];
  summary: { workersChecked: number; compliant: number; nonCompliant: number; unverified: number };
  premium: {
    base: string; // contract value excluding VAT, rupiah with 2 decimals
    // Version 2 (change 7): BPJS's figure when the registration carries one (source BPJS, no
    // split), else the computed one; `computed` always gives the computed figure.
    required: { jkk?: number; jkm?: number; total: number; source?: 'BPJS' | 'COMPUTED' };
    computed?: { jkk: number; jkm: number; total: number };
    requiredForPayment: number;
    paid: number | null; // null when the registration could not be verified (premium not judged)
    shortfall: number;
    paidRecorded?: number; // version 2: the project's bpjsPremiumPaid, shown, not judged
  };
  workers: WorkerResult[]; // one per checked assignment, sorted by NIK then assignmentId
  expiringSoon: Array<{ assignmentId: string; nik: string; name: string; coverageEnd: IsoDate }>;
}
