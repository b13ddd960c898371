// Contract 2.1 "what was recorded stays checked": the one implementation of how roster changes
// move an assignment's current and recorded dates. The roster service applies it on every PUT,
// DELETE and correction; policy v2 reads the resulting span; the property tests replay it.
// A day the roster once showed as worked, by the day of the change, never leaves the span
// except through a correction.
import { toDayNumber } from './dates.ts';
import type { IsoDate } from './dates.ts';

export interface AssignmentDates {
  startDate: IsoDate;
  endDate: IsoDate | null; // null: open (still working)
  reportedStartDate: IsoDate | null; // the earliest start once recorded, when later moved
  reportedEndDate: IsoDate | null; // the latest end once recorded, when later moved earlier
}

export interface DateChange {
  startDate: IsoDate;
  endDate: IsoDate | null;
}

const earlier = (a: IsoDate, b: IsoDate): IsoDate => (toDayNumber(a) <= toDayNumber(b) ? a : b);
const later = (a: IsoDate, b: IsoDate): IsoDate => (toDayNumber(a) >= toDayNumber(b) ? a : b);

/**
 * The dates after a `PUT` changes an assignment's dates on the local date `today`.
 * - `endDate` moved to a day before the last day the old dates showed as worked by today (that is
 *   `today`, or the old `endDate` when that was already earlier): `reportedEndDate` becomes that
 *   day (keeping the latest such). For an active assignment (end open or not before today) this
 *   is exactly the contract's "reportedEndDate = the date of the change".
 * - `startDate` moved later while the old start was on or before `today`: `reportedStartDate`
 *   becomes the old start (keeping the earliest such).
 * Nothing is recorded for changes of days that lie in the future: plans may change freely.
 * The old dates are read as their recorded span (so an earlier recorded start still counts).
 */
export function applyDateChange(current: AssignmentDates, next: DateChange, today: IsoDate): AssignmentDates {
  const todayDay = toDayNumber(today);
  const oldStartDay = toDayNumber(current.startDate);
  // The last day the old recorded span showed as worked by today (the roster never claims future
  // work), and whether it showed any day at all by then.
  const oldEnd = recordedEnd(current);
  const workedEnd = oldEnd === null || toDayNumber(oldEnd) > todayDay ? today : oldEnd;
  const workedSomething = toDayNumber(recordedStart(current)) <= toDayNumber(workedEnd);

  let reportedEndDate = current.reportedEndDate;
  if (workedSomething && next.endDate !== null && toDayNumber(next.endDate) < toDayNumber(workedEnd)) {
    reportedEndDate = reportedEndDate === null ? workedEnd : later(reportedEndDate, workedEnd);
  }
  let reportedStartDate = current.reportedStartDate;
  if (workedSomething && oldStartDay <= todayDay && toDayNumber(next.startDate) > oldStartDay) {
    reportedStartDate = reportedStartDate === null ? current.startDate : earlier(reportedStartDate, current.startDate);
  }
  return { startDate: next.startDate, endDate: next.endDate, reportedStartDate, reportedEndDate };
}

/** The first day of the recorded span: the earlier of `startDate` and `reportedStartDate`. */
export function recordedStart(a: AssignmentDates): IsoDate {
  return a.reportedStartDate === null ? a.startDate : earlier(a.startDate, a.reportedStartDate);
}

/** The last day of the recorded span: null while `endDate` is open, else the later of the two ends. */
export function recordedEnd(a: AssignmentDates): IsoDate | null {
  if (a.endDate === null) return null;
  return a.reportedEndDate === null ? a.endDate : later(a.endDate, a.reportedEndDate);
}

export type Removal =
  | { kind: 'cancel' } // never started: it never counts for any period, and stays in the history
  | { kind: 'end'; dates: AssignmentDates }; // ends today (or keeps an earlier end), as before

/**
 * Removing a worker (`DELETE`, or left out of a `PUT`) on the local date `today`: cancelled when
 * the recorded start is after today, else ended today (an end already before today stays).
 */
export function removeAssignment(current: AssignmentDates, today: IsoDate): Removal {
  if (toDayNumber(recordedStart(current)) > toDayNumber(today)) return { kind: 'cancel' };
  const endDate = current.endDate === null || toDayNumber(current.endDate) > toDayNumber(today) ? today : current.endDate;
  return { kind: 'end', dates: { ...current, endDate } };
}

export interface Correction {
  startDate?: IsoDate | undefined;
  endDate?: IsoDate | null | undefined;
  cancelled?: true | undefined;
}

/**
 * A correction (`POST .../corrections`) takes effect in one step: the assignment takes the given
 * dates and loses its reported dates, so it is checked over the corrected span from now on.
 * Returns null when the correction cancels the assignment.
 */
export function applyCorrection(current: AssignmentDates, correction: Correction): AssignmentDates | null {
  if (correction.cancelled === true) return null;
  return {
    startDate: correction.startDate ?? current.startDate,
    endDate: correction.endDate === undefined ? current.endDate : correction.endDate,
    reportedStartDate: null,
    reportedEndDate: null,
  };
}

/** Whether the recorded span touches the period (both ends included). */
export function recordedSpanOverlaps(a: AssignmentDates, from: IsoDate, to: IsoDate): boolean {
  const end = recordedEnd(a);
  return toDayNumber(recordedStart(a)) <= toDayNumber(to) && (end === null || toDayNumber(end) >= toDayNumber(from));
}

/** Only the recorded dates after a change (for a caller that stores the new dates itself). */
export function recordSpanChange(
  before: AssignmentDates, next: DateChange, today: IsoDate,
): Pick<AssignmentDates, 'reportedStartDate' | 'reportedEndDate'> {
  const { reportedStartDate, reportedEndDate } = applyDateChange(before, next, today);
  return { reportedStartDate, reportedEndDate };
}
