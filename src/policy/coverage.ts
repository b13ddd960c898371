// Which of a person's coverages counts for this work (contract 2.4 changes 3, 4, 8), and how one
// coverage is judged on its own. Shared by policy v2 and by the loader that gives version 1 its
// single membership per worker ("the coverage that fits the project best").
import { toDayNumber } from './dates.ts';
import type { PolicyMembership, ReasonCode } from './types.ts';

const REQUIRED_PROGRAMS = ['JKK', 'JKM'] as const; // the mandatory pair for construction workers

export interface FitContext {
  registrationNumber: string | null;
  contractorEmployerNpp: string | null;
  /**
   * Version 2 (change 4): PU fits only with a known, equal employer number. Version 1 accepted a
   * PU coverage when either number was unknown.
   */
  puNeedsEmployer: boolean;
  /**
   * Version 2 (change 8): while the project is not registered (no number, not found, not
   * PESERTA), a JAKON coverage is not held against the worker; PROJECT_NOT_REGISTERED says it.
   */
  jakonUnjudged: boolean;
}

/** null when the coverage fits this work, else the code saying why it does not. */
export function misfitCode(c: Pick<PolicyMembership, 'segment' | 'projectNumber' | 'employerNpp'>, ctx: FitContext): ReasonCode | null {
  switch (c.segment) {
    case 'JAKON':
      if (ctx.jakonUnjudged) return null;
      return ctx.registrationNumber !== null && c.projectNumber === ctx.registrationNumber ? null : 'OTHER_PROJECT_COVERAGE';
    case 'PU':
      if (!ctx.puNeedsEmployer) {
        return c.employerNpp !== null && ctx.contractorEmployerNpp !== null && c.employerNpp !== ctx.contractorEmployerNpp
          ? 'OTHER_EMPLOYER_COVERAGE'
          : null;
      }
      if (ctx.contractorEmployerNpp === null) return 'EMPLOYER_NUMBER_MISSING';
      return c.employerNpp === ctx.contractorEmployerNpp ? null : 'OTHER_EMPLOYER_COVERAGE';
    case 'BPU':
      return null;
  }
}

/**
 * The blocking codes of one coverage judged on its own for a last day (day number): ACTIVE when the
 * worker is current, JKK and JKM, and a coverage period containing the day.
 */
export function coverageCodes(
  c: Pick<PolicyMembership, 'status' | 'programs' | 'coverageStart' | 'coverageEnd'>, lastDay: number, current: boolean,
): ReasonCode[] {
  const codes: ReasonCode[] = [];
  if (current && c.status !== 'ACTIVE') codes.push('MEMBERSHIP_INACTIVE');
  if (!REQUIRED_PROGRAMS.every((p) => c.programs.includes(p))) codes.push('PROGRAM_MISSING');
  const start = toDayNumber(c.coverageStart);
  if (lastDay < start || (c.coverageEnd !== null && lastDay > toDayNumber(c.coverageEnd))) codes.push('COVERAGE_LAPSED');
  return codes;
}

export interface Ranked<T> {
  coverage: T;
  misfit: ReasonCode | null;
  codes: ReasonCode[]; // blocking codes judged on its own (misfit excluded)
}

const changedAtOf = (c: PolicyMembership & { changedAt?: string }): string => c.changedAt ?? c.asOf;

/**
 * The coverage that fits the work best (change 3's order): fitting before misfitting, then fewest
 * blocking codes, then the most recently changed; null for none. Ties beyond that fall to the
 * segment and number, so the choice never depends on the order the coverages arrive in.
 */
export function bestCoverage<T extends PolicyMembership & { changedAt?: string }>(
  coverages: readonly T[], ctx: FitContext, lastDay: number, current: boolean,
): Ranked<T> | null {
  let best: Ranked<T> | null = null;
  for (const coverage of coverages) {
    const ranked: Ranked<T> = { coverage, misfit: misfitCode(coverage, ctx), codes: coverageCodes(coverage, lastDay, current) };
    if (best === null || better(ranked, best)) best = ranked;
  }
  return best;
}

function better<T extends PolicyMembership & { changedAt?: string }>(a: Ranked<T>, b: Ranked<T>): boolean {
  if ((a.misfit === null) !== (b.misfit === null)) return a.misfit === null;
  if (a.codes.length !== b.codes.length) return a.codes.length < b.codes.length;
  const ca = changedAtOf(a.coverage);
  const cb = changedAtOf(b.coverage);
  if (ca !== cb) return ca > cb;
  const ka = `${a.coverage.segment}|${a.coverage.projectNumber ?? ''}|${a.coverage.employerNpp ?? ''}`;
  const kb = `${b.coverage.segment}|${b.coverage.projectNumber ?? ''}|${b.coverage.employerNpp ?? ''}`;
  return ka < kb;
}
