// Which of a worker's current coverages a roster item shows as its `membership` (contract 2.2): the
// one that fits this project best, as policy version 2 chooses (change 3, with change 4's rule
// for PU), judged on the worker's last day up to today. Pure; the service feeds it.
import { bestCoverage, type FitContext } from '../policy/coverage.ts';
import { toDayNumber } from '../policy/dates.ts';
import type { PolicyMembership } from '../policy/types.ts';
import type { Membership } from '../memberships/schemas.ts';
import type { Worker } from './schemas.ts';

export interface ProjectNumbers {
  registrationNumber: string | null;
  contractorEmployerNpp: string | null;
}

type Judgeable = PolicyMembership & { changedAt: string; stored: Membership };

function judgeable(m: Membership): Judgeable | null {
  if (!m.found || m.status === null || m.coverageStart === null || m.segment === null) return null;
  return {
    nik: m.nik, kpj: m.kpj, status: m.status, programs: m.programs, coverageStart: m.coverageStart, coverageEnd: m.coverageEnd,
    segment: m.segment, projectNumber: m.projectNumber, employerNpp: m.employerNpp, asOf: m.asOf, changedAt: m.updatedAt, stored: m,
  };
}

/**
 * The roster item with its `membership`: the best fitting coverage; when none can be judged (only
 * BPJS's "not known" answer, or incomplete records) the most recently changed record; null when
 * nothing is stored.
 */
export function withBestCoverage(worker: Omit<Worker, 'membership'>, project: ProjectNumbers, today: string): Worker {
  const fit: FitContext = {
    registrationNumber: project.registrationNumber, contractorEmployerNpp: project.contractorEmployerNpp,
    puNeedsEmployer: true, jakonUnjudged: false,
  };
  const todayDay = toDayNumber(today);
  const end = worker.endDate === null ? null : toDayNumber(worker.endDate);
  const lastDay = end === null ? todayDay : Math.min(end, todayDay);
  const candidates = worker.coverages.flatMap((m) => judgeable(m) ?? []);
  const best = bestCoverage(candidates, fit, lastDay, end === null || end >= todayDay);
  return { ...worker, membership: best?.coverage.stored ?? worker.coverages[0] ?? null };
}
