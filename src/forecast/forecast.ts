// When a project's next payment would first be BLOCKED, from stored data only: the gate's own
// evaluation (the pure policy on the cached roster), asked for the days on which its answer can
// change. Blocking only grows with time (coverage lapses, data ages, workers join the period, the
// final payment needs the whole premium), so the first blocked day among those days is found by
// a binary search: a project that is fine on the last day costs one evaluation.
import type { Gate } from '../disbursements/gate.ts';
import type { DecisionInputs } from '../disbursements/repository.ts';
import type { Roster } from '../disbursements/roster.ts';
import { fromDayNumber, toDayNumber, type IsoDate, type PolicyResult } from '../policy/index.ts';

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
  /** The deployment's holidays over the years involved (policy v2's working days). */
  holidays: ReadonlySet<IsoDate>;
}

/** Per cached roster, what its days of change are made of (parsing dates once, not per request). */
interface RosterDays {
  /** Day numbers on which a worker joins or a coverage has ended (coverageEnd + 1). */
  days: number[];
  /** Distinct instants at which a stored status stops being fresh. */
  expiries: number[];
}
const rosterDays = new WeakMap<Roster, RosterDays>();

function daysOf(roster: Roster): RosterDays {
  let d = rosterDays.get(roster);
  if (d === undefined) {
    const days = new Set<number>();
    const expiries = new Set<number>();
    for (const a of roster.assignments) {
      if (a.cancelled) continue;
      days.add(toDayNumber(a.startDate));
      if (a.reportedStartDate !== null) days.add(toDayNumber(a.reportedStartDate));
    }
    for (const person of roster.persons.values()) {
      for (const c of person.coverages) {
        if (c.coverageEnd) days.add(toDayNumber(c.coverageEnd) + 1);
        expiries.add(c.expiresAtMs);
      }
      if (person.notFoundExpiresAtMs !== null) expiries.add(person.notFoundExpiresAtMs);
    }
    d = { days: [...days], expiries: [...expiries] };
    rosterDays.set(roster, d);
  }
  return d;
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
  // The window's last day always: whatever changes that is not listed here is still seen there.
  add(lastDay);
  add(toDayNumber(endDate));
  const own = daysOf(roster);
  for (const day of own.days) add(day);
  if (w.ageData) for (const at of own.expiries) add(agedFrom(at));
  const reg = inputs.project.regVerifiedAtMs;
  if (w.ageData && reg !== null) add(agedFrom(reg + maxAgeMs));
  return [...days].sort((a, b) => a - b).map((d) => fromDayNumber(d));
}

export function forecastProject(gate: Gate, inputs: DecisionInputs, endDate: string, roster: Roster, w: ForecastWindow): ProjectForecast | null {
  const gateInputs = { head: inputs.project, approvals: inputs.approvals, approvedTotal: Number(inputs.approvedTotal), holidays: w.holidays };
  const evaluateOn = (day: string) => {
    const nowMs = w.ageData ? w.nowMs + (toDayNumber(day) - toDayNumber(w.today)) * DAY_MS : w.nowMs;
    const request = { stage: null, valueDate: day, final: day >= endDate, amount: null };
    return gate.evaluateRequest(gateInputs, request, roster, nowMs).result;
  };
  // The last day first: a project fine then is fine throughout (one evaluation, the usual case).
  const days = [w.today, ...changeDays(inputs, endDate, roster, w, gate.maxAgeMs)];
  let last = evaluateOn(days.at(-1) as string);
  if (last.decision !== 'BLOCKED') return null;
  if (days.length === 1) return { blockedFrom: w.today, result: last };
  const today = evaluateOn(w.today);
  if (today.decision === 'BLOCKED') return { blockedFrom: w.today, result: today };
  let lo = 1;
  let hi = days.length - 1; // blocked at hi, not at lo - 1: the first blocked day is in [lo, hi]
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
