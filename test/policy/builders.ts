// Small builders for policy inputs: a compliant baseline that each test bends in one place.
import type { PolicyInput, PolicyMembership, PolicyWorker } from '../../src/policy/types.ts';

export const REG = '900100200300';
export const NPP = '12345678';

export function membership(overrides: Partial<PolicyMembership> = {}): PolicyMembership {
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
    asOf: '2025-09-14T10:00:00Z',
    ...overrides,
  };
}

let serial = 0;

// A worker on the project since 1 July 2025 with a fresh, fitting Jakon membership.
export function worker(overrides: Partial<PolicyWorker> = {}, m: Partial<PolicyMembership> = {}): PolicyWorker {
  serial++;
  const nik = overrides.nik ?? `16710101019${String(serial).padStart(5, '0')}`;
  return {
    assignmentId: `a-${String(serial).padStart(4, '0')}`,
    nik,
    name: `Pekerja ${serial}`,
    kpj: m.kpj === undefined ? '10000000001' : m.kpj,
    startDate: '2025-07-01',
    endDate: null,
    lookup: 'FOUND',
    membership: membership({ nik, ...m }),
    ...overrides,
  };
}

// 1,110,000,000 incl. 11% VAT: required premium 1,750,000, fully paid; request valued 15 Sep 2025.
export function input(overrides: Partial<PolicyInput> = {}): PolicyInput {
  return {
    project: {
      id: 'p-1',
      code: 'DPUPR-2025-001',
      startDate: '2025-07-01',
      contractValue: 1_110_000_000,
      vatPercent: '11',
      bpjsRegistrationNumber: REG,
      bpjsPremiumPaid: 1_750_000,
      contractorEmployerNpp: NPP,
    },
    registration: { source: 'snapshot' },
    request: { stage: 'TERMIN_1', valueDate: '2025-09-15', final: false },
    approvals: [],
    workers: [worker()],
    ...overrides,
  };
}
