// Policy v1, one assignment: is this worker covered for this work on their last day in the period?
import { fromDayNumber, toDayNumber } from '../dates.ts';
import type { IsoDate } from '../dates.ts';
import type { PolicyMembership, PolicyWorker, ReasonCode } from '../types.ts';

const REQUIRED_PROGRAMS = ['JKK', 'JKM'] as const; // the mandatory pair for construction workers
const EXPIRING_WINDOW_DAYS = 14;
// BPJS expects worker changes reported within 30 (working) days; later than that the worker
// worked uninsured at the contractor's risk. Calendar days keep the check free of holiday tables.
const LATE_START_DAYS = 30;

export interface WorkContext {
  valueDay: number;
  registrationNumber: string | null; // null when the project has none
  contractorEmployerNpp: string | null;
}

export interface WorkerJudgement {
  codes: Set<ReasonCode>;
  lastDay: IsoDate;
  expiringOn: IsoDate | null; // coverage end, when COVERAGE_EXPIRING_SOON
}

// Coverage counts only for the work it was taken out for (domain: "Who covers construction workers").
function misfitCode(m: PolicyMembership, ctx: WorkContext): ReasonCode | null {
  switch (m.segment) {
    case 'JAKON':
      return ctx.registrationNumber !== null && m.projectNumber === ctx.registrationNumber ? null : 'OTHER_PROJECT_COVERAGE';
    case 'PU':
      // With either employer number unknown we cannot tell; the contract accepts it then.
      return m.employerNpp !== null && ctx.contractorEmployerNpp !== null && m.employerNpp !== ctx.contractorEmployerNpp
        ? 'OTHER_EMPLOYER_COVERAGE'
        : null;
    case 'BPU':
      return null;
  }
}

export function judgeWorker(worker: PolicyWorker, ctx: WorkContext): WorkerJudgement {
  const endDay = worker.endDate === null ? null : toDayNumber(worker.endDate);
  const current = endDay === null || endDay >= ctx.valueDay;
  const lastDayNumber = endDay === null ? ctx.valueDay : Math.min(endDay, ctx.valueDay);
  const judgement: WorkerJudgement = { codes: new Set(), lastDay: fromDayNumber(lastDayNumber), expiringOn: null };

  // A stale membership kept as evidence is not judged: the only honest answer is "unverified".
  if (worker.lookup === 'UNVERIFIED') {
    judgement.codes.add('MEMBERSHIP_UNVERIFIED');
    return judgement;
  }
  if (worker.lookup === 'NOT_FOUND') {
    judgement.codes.add('WORKER_NOT_FOUND');
    return judgement;
  }
  const m = worker.membership;
  if (m === null) throw new TypeError(`assignment ${worker.assignmentId}: lookup FOUND without a membership`);
  if (m.nik !== worker.nik) throw new TypeError(`assignment ${worker.assignmentId}: membership belongs to another NIK`);

  const coverageStart = toDayNumber(m.coverageStart);
  const coverageEnd = m.coverageEnd === null ? null : toDayNumber(m.coverageEnd);
  const codes = judgement.codes;
  if (current && m.status !== 'ACTIVE') codes.add('MEMBERSHIP_INACTIVE');
  if (!REQUIRED_PROGRAMS.every((p) => m.programs.includes(p))) codes.add('PROGRAM_MISSING');
  if (lastDayNumber < coverageStart || (coverageEnd !== null && lastDayNumber > coverageEnd)) codes.add('COVERAGE_LAPSED');
  const misfit = misfitCode(m, ctx);
  if (misfit !== null) codes.add(misfit);
  if (worker.kpj !== null && m.kpj !== null && worker.kpj !== m.kpj) codes.add('KPJ_MISMATCH');

  if (current && coverageEnd !== null && coverageEnd >= ctx.valueDay && coverageEnd <= ctx.valueDay + EXPIRING_WINDOW_DAYS) {
    codes.add('COVERAGE_EXPIRING_SOON');
    judgement.expiringOn = fromDayNumber(coverageEnd);
  }
  if (coverageStart > toDayNumber(worker.startDate) + LATE_START_DAYS) codes.add('COVERAGE_STARTED_LATE');
  return judgement;
}
