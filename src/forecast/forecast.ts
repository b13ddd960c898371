// When a project's next payment would first be BLOCKED, from stored data only: the gate's own
// evaluation (the pure policy on the cached roster), asked for the days on which its answer can
// change. Blocking only grows with time (coverage lapses, data ages, workers join the period, the
// final payment needs the whole premium), so the first blocked day among those days is found by
// a binary search: a project that is fine on the last day costs one evaluation.
import type { Gate } from '../disbursements/gate.ts';
import type { DecisionInputs } from '../disbursements/repository.ts';
import type { Roster } from '../disbursements/roster.ts';
import { addDays, toDayNumber, type PolicyResult } from '../policy/index.ts';

const DAY_MS = 86_400_000;

export interface ProjectForecast {
  blockedFrom: string;
  result: PolicyResult;
}

export interface ForecastWindow {
  today: string;
  /** The last day looked at: today + within. */
  last: string;
  nowMs: number;
  /**
   * Snapshot mode: stored data ages with the days (stale data blocks). A live upstream refreshes
   * what has aged when the payment is asked for, so there data is judged as fresh as it is now.
   */
  ageData: boolean;
}

/** The days in (today, last] on which the evaluation may change, ascending, without duplicates. */
function changeDays(inputs: DecisionInputs, endDate: string, roster: Roster, w: ForecastWindow, maxAgeMs: number): string[] {
  const first = toDayNumber(w.today);
  const lastDay = toDayNumber(w.last);
  const days = new Set<number>();
  const add = (day: number) => {
    if (day > first && day <= lastDay) days.add(day);
  };
  // The day at whose time of day `expiresAtMs` has passed.
  const agedFrom = (expiresAtMs: number) => first + Math.floor((expiresAtMs - w.nowMs) / DAY_MS) + 1;
  add(toDayNumber(endDate));
  for (const r of roster.rows) {
    add(r.startDay);
    for (const c of r.coverages) {
      if (c.coverageEnd) add(toDayNumber(c.coverageEnd) + 1);
      if (w.ageData) add(agedFrom(c.expiresAtMs));
    }
    if (w.ageData && r.expiresAtMs !== null) add(agedFrom(r.expiresAtMs));
    if (w.ageData && r.notFoundExpiresAtMs !== null) add(agedFrom(r.notFoundExpiresAtMs));
  }
  const reg = inputs.project.regVerifiedAtMs;
  if (w.ageData && reg !== null) add(agedFrom(reg + maxAgeMs));
  return [...days].sort((a, b) => a - b).map((d) => addDays(w.today, d - first));
}

export function forecastProject(gate: Gate, inputs: DecisionInputs, endDate: string, roster: Roster, w: ForecastWindow): ProjectForecast | null {
  const evaluateOn = (day: string) => {
    const nowMs = w.ageData ? w.nowMs + (toDayNumber(day) - toDayNumber(w.today)) * DAY_MS : w.nowMs;
    const request = { stage: null, valueDate: day, final: day >= endDate };
    return gate.evaluateRequest(inputs.project, inputs.approvals, request, roster, nowMs).result;
  };
  const today = evaluateOn(w.today);
  if (today.decision === 'BLOCKED') return { blockedFrom: w.today, result: today };
  const days = changeDays(inputs, endDate, roster, w, gate.maxAgeMs);
  if (days.length === 0) return null;
  let last = evaluateOn(days.at(-1) as string);
  if (last.decision !== 'BLOCKED') return null;
  let lo = 0;
  let hi = days.length - 1; // blocked at hi; the first blocked day is in [lo, hi]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const r = evaluateOn(days[mid] as string);
    if (r.decision === 'BLOCKED') {
      hi = mid;
      last = r;
    } else lo = mid + 1;
  }
  return { blockedFrom: days[hi] as string, result: last };
}
