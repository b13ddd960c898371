// Inputs of policy version 2 (contract 2.4). Everything a v2 decision is judged on is here, so the
// evidence can store exactly this and replay needs nothing else.
import type { IsoDate } from '../dates.ts';
import type { AssignmentDates } from '../recorded-span.ts';
import type { PolicyApproval, PolicyMembership } from '../types.ts';

/** One earlier record of the same coverage (its history), for continuous coverage (change 9). */
export interface CoveragePeriod {
  coverageStart: IsoDate;
  coverageEnd: IsoDate | null;
}

/** One current coverage of a NIK: BPJS's record for one segment (and project or employer). */
export interface CoverageV2 extends PolicyMembership {
  /** When this record last changed in our store (ties between equally close coverages). */
  changedAt: string;
  /** Younger than MEMBERSHIP_MAX_AGE_HOURS when the decision was made (decided by the caller). */
  fresh: boolean;
  /** Earlier records of this coverage, any order; only their coverage periods are read. */
  history: CoveragePeriod[];
}

/** BPJS's answer for one NIK: FOUND with its coverages, NOT_FOUND (fresh), or nothing fresh to say. */
export interface PersonV2 {
  nik: string;
  lookup: 'FOUND' | 'NOT_FOUND' | 'UNVERIFIED';
  coverages: CoverageV2[];
}

export interface AssignmentV2 extends AssignmentDates {
  assignmentId: string;
  nik: string;
  name: string;
  kpj: string | null;
  cancelled: boolean;
}

/** A correction (contract 2.1) of one of the project's assignments. */
export interface CorrectionV2 {
  id: string;
  assignmentId: string;
  nik: string;
  name: string;
  /** The local date on which it was made. */
  correctedOn: IsoDate;
  before: AssignmentDates & { cancelled: boolean };
}

/** The project's registration as BPJS reports it (upstream, or the imported snapshot of 2.3). */
export type RegistrationV2 =
  | {
    state: 'FOUND';
    status: 'MENDAFTAR' | 'PESERTA';
    premiumRequired: number | null;
    premiumPaid: number;
  }
  | { state: 'NOT_FOUND' }
  | { state: 'UNVERIFIED' };

export interface ProjectV2 {
  id: string;
  code: string;
  startDate: IsoDate;
  contractValue: number;
  vatPercent: string;
  bpjsRegistrationNumber: string | null;
  /** As the OPD recorded it: shown, no longer judged (change 7). */
  bpjsPremiumPaid: number;
  contractorEmployerNpp: string | null;
}

export interface PolicyInputV2 {
  project: ProjectV2;
  registration: RegistrationV2;
  /** stage null = compliance dry run without a stage; amount null = no amount to judge (dry run). */
  request: { stage: string | null; valueDate: IsoDate; final: boolean; amount: number | null };
  approvals: PolicyApproval[];
  /** The sum of the project's APPROVED, unvoided amounts (change 12). */
  approvedTotal: number;
  /** May be a superset: the policy keeps those whose recorded span overlaps the period. */
  assignments: AssignmentV2[];
  /** The BPJS answer for every NIK of `assignments` (and no others needed). */
  persons: PersonV2[];
  corrections: CorrectionV2[];
  /** The deployment's holidays of the years involved, `YYYY-MM-DD`. */
  holidays: IsoDate[];
}
