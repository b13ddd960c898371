// Builders for version 2 inputs: a compliant baseline (one worker with a fresh, fitting Jakon
// coverage; a registered, fully paid project) that each test bends in one place.
import type {
  AssignmentV2, CoverageV2, PersonV2, PolicyInputV2,
} from '../../src/policy/v2/types.ts';

export const REG = '900100200300';
export const NPP = '12345678';
export const VALUE_DATE = '2025-09-15';

export function coverage(overrides: Partial<CoverageV2> = {}): CoverageV2 {
  return {
    nik: '1671010101900001',
    kpj: '10000000001',
    status: 'ACTIVE',
    programs: ['JKK', 'JKM'],
    coverageStart: '2025-07-01',
    coverageEnd: '2026-06-30',
    segment: 'JAKON',
    projectNumber: REG,
    employerNpp: null,
    asOf: '2025-09-14T10:00:00.000Z',
    changedAt: '2025-09-14T10:00:00.000Z',
    fresh: true,
    history: [],
    ...overrides,
  };
}

let serial = 0;

export function nikOf(n: number): string {
  return `16710101019${String(n).padStart(5, '0')}`;
}

export function assignment(overrides: Partial<AssignmentV2> = {}): AssignmentV2 {
  serial++;
  return {
    assignmentId: `a-${String(serial).padStart(4, '0')}`,
    nik: nikOf(serial),
    name: `Pekerja ${serial}`,
    kpj: '10000000001',
    startDate: '2025-07-01',
    endDate: null,
    reportedStartDate: null,
    reportedEndDate: null,
    cancelled: false,
    ...overrides,
  };
}

export function person(nik: string, coverages: Array<Partial<CoverageV2>> = [{}], lookup: PersonV2['lookup'] = 'FOUND'): PersonV2 {
  return { nik, lookup, coverages: coverages.map((c) => coverage({ nik, ...c })) };
}

/** A worker: the assignment and BPJS's answer for them. */
export function worker(a: Partial<AssignmentV2> = {}, coverages: Array<Partial<CoverageV2>> = [{}], lookup: PersonV2['lookup'] = 'FOUND') {
  const assigned = assignment(a);
  return { assignment: assigned, person: person(assigned.nik, coverages, lookup) };
}

// 1,110,000,000 incl. 11% VAT: required premium 1,750,000, fully paid (BPJS's record says so).
export function inputV2(
  workers: Array<{ assignment: AssignmentV2; person: PersonV2 }> = [worker()], overrides: Partial<PolicyInputV2> = {},
): PolicyInputV2 {
  const persons = new Map<string, PersonV2>();
  for (const w of workers) persons.set(w.person.nik, w.person);
  return {
    project: {
      id: 'p-1',
      code: 'DPUPR-2025-001',
      startDate: '2025-07-01',
      contractValue: 1_110_000_000,
      vatPercent: '11',
      bpjsRegistrationNumber: REG,
      bpjsPremiumPaid: 0,
      contractorEmployerNpp: NPP,
    },
    registration: { state: 'FOUND', status: 'PESERTA', premiumRequired: null, premiumPaid: 1_750_000 },
    request: { stage: 'TERMIN_1', valueDate: VALUE_DATE, final: false, amount: 100_000_000 },
    approvals: [],
    approvedTotal: 0,
    assignments: workers.map((w) => w.assignment),
    persons: [...persons.values()],
    corrections: [],
    holidays: [],
    ...overrides,
  };
}
