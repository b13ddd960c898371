// Policy v2, one person (changes 2, 3, 4, 5, 9): is this NIK covered for this work on the latest
// of their last days in the period, by at least one fresh coverage that fits?
import { fromDayNumber, toDayNumber } from '../dates.ts';
import type { IsoDate } from '../dates.ts';
import { bestCoverage, coverageCodes, misfitCode, type FitContext } from '../coverage.ts';
import { workingDaysBetween, type HolidaySet } from '../working-days.ts';
import type { ReasonCode } from '../types.ts';
import type { CoverageV2, PersonV2 } from './types.ts';

const EXPIRING_WINDOW_DAYS = 14;
// BPJS expects worker changes reported within 30 working days (domain: "Who covers ...").
const LATE_START_WORKING_DAYS = 30;

export interface PersonContext extends FitContext {
  valueDay: number;
  holidays: HolidaySet;
}

/** A person as the period sees them (change 2): earliest start, latest last day, current or not. */
export interface PersonSpan {
  nik: string;
  earliestStart: number;
  lastDay: number;
  current: boolean;
  rosterKpjs: string[]; // the non-null KPJs of their checked assignments
}

export interface PersonJudgement {
  codes: Set<ReasonCode>;
  lastDay: IsoDate;
  coverage: CoverageV2 | null; // the coverage the judgement rests on
  expiringOn: IsoDate | null;
}

/** The start of the coverage's unbroken run: earlier records of it that leave no gap count. */
export function continuousStart(c: CoverageV2): number {
  let start = toDayNumber(c.coverageStart);
  const earlier = c.history
    .map((h) => ({ start: toDayNumber(h.coverageStart), end: h.coverageEnd === null ? null : toDayNumber(h.coverageEnd) }))
    .sort((a, b) => b.start - a.start);
  // Latest first; a record reaching up to the day before the run (or into it) extends it back.
  let extended = true;
  while (extended) {
    extended = false;
    for (const h of earlier) {
      if (h.start < start && (h.end === null || h.end >= start - 1)) {
        start = h.start;
        extended = true;
      }
    }
  }
  return start;
}

// Among covering coverages: the contractor's own (Jakon or PU) before self-paid BPU, then the one
// that runs longest, then the most recently changed.
function preferCovering(a: CoverageV2, b: CoverageV2): boolean {
  if ((a.segment === 'BPU') !== (b.segment === 'BPU')) return a.segment !== 'BPU';
  const ea = a.coverageEnd === null ? Infinity : toDayNumber(a.coverageEnd);
  const eb = b.coverageEnd === null ? Infinity : toDayNumber(b.coverageEnd);
  if (ea !== eb) return ea > eb;
  return a.changedAt > b.changedAt;
}

export function judgePerson(span: PersonSpan, person: PersonV2 | undefined, ctx: PersonContext): PersonJudgement {
  const judgement: PersonJudgement = { codes: new Set(), lastDay: fromDayNumber(span.lastDay), coverage: null, expiringOn: null };
  const codes = judgement.codes;
  if (person === undefined || person.lookup === 'UNVERIFIED') {
    codes.add('MEMBERSHIP_UNVERIFIED');
    return judgement;
  }
  if (person.lookup === 'NOT_FOUND') {
    codes.add('WORKER_NOT_FOUND');
    return judgement;
  }
  for (const c of person.coverages) if (c.nik !== person.nik) throw new TypeError(`a coverage of ${person.nik} belongs to another NIK`);

  const fresh = person.coverages.filter((c) => c.fresh);
  const fittingFresh = fresh.filter((c) => misfitCode(c, ctx) === null);
  let chosen: CoverageV2 | null = null;
  for (const c of fittingFresh) {
    if (coverageCodes(c, span.lastDay, span.current).length === 0 && (chosen === null || preferCovering(c, chosen))) chosen = c;
  }
  const covered = chosen !== null;
  if (chosen === null) {
    // Not covered by fresh data. A stale coverage that fits might still cover: only fresh data decides.
    if (fresh.length === 0 || person.coverages.some((c) => !c.fresh && misfitCode(c, ctx) === null)) {
      codes.add('MEMBERSHIP_UNVERIFIED');
      return judgement;
    }
    if (fittingFresh.length > 0) {
      const closest = bestCoverage(fittingFresh, ctx, span.lastDay, span.current);
      chosen = closest === null ? null : closest.coverage;
      for (const code of closest?.codes ?? []) codes.add(code);
    } else {
      for (const c of fresh) {
        const misfit = misfitCode(c, ctx);
        if (misfit !== null) codes.add(misfit);
      }
    }
  }
  if (chosen !== null) {
    judgement.coverage = chosen;
    const end = chosen.coverageEnd === null ? null : toDayNumber(chosen.coverageEnd);
    if (span.current && end !== null && end >= ctx.valueDay && end <= ctx.valueDay + EXPIRING_WINDOW_DAYS) {
      codes.add('COVERAGE_EXPIRING_SOON');
      judgement.expiringOn = fromDayNumber(end);
    }
    const began = continuousStart(chosen);
    if (began > span.earliestStart
      && workingDaysBetween(fromDayNumber(span.earliestStart), fromDayNumber(began), ctx.holidays) > LATE_START_WORKING_DAYS) {
      codes.add('COVERAGE_STARTED_LATE');
    }
    // Change 5: the rule is met, but the contractor has shifted its duty onto the worker.
    if (covered && chosen.segment === 'BPU') codes.add('SELF_PAID_COVERAGE');
  }
  // Change 3: a KPJ mismatch only when the roster's KPJ matches none of the person's coverages.
  const known = person.coverages.flatMap((c) => (c.kpj === null ? [] : [c.kpj]));
  if (known.length > 0 && span.rosterKpjs.some((kpj) => !known.includes(kpj))) codes.add('KPJ_MISMATCH');
  return judgement;
}
