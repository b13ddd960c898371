// Who a payment checks: the one computation of the period and the checked assignments that the
// decision, the compliance dry run and `POST .../verify` all use (issue 9 item 5). Version 1
// reads the current dates; version 2 the recorded span (2.4 change 1). Cancelled assignments
// never count under either.
import { toDayNumber } from './dates.ts';
import type { IsoDate } from './dates.ts';
import { paymentPeriod } from './period.ts';
import { recordedEnd, recordedStart, type AssignmentDates } from './recorded-span.ts';
import type { Period, PolicyApproval } from './types.ts';

export interface RosterAssignment extends AssignmentDates {
  assignmentId: string;
  nik: string;
  cancelled: boolean;
}

export interface CheckedSet<T> {
  period: Period;
  /** The checked assignments, sorted by NIK then assignment id. */
  assignments: T[];
  /** Their distinct NIKs, sorted: the persons checked. */
  niks: string[];
}

/** The span an assignment is checked over, as day numbers (end null = open). */
export function checkedSpan(version: number, a: AssignmentDates): { start: number; end: number | null } {
  if (version === 1) return { start: toDayNumber(a.startDate), end: a.endDate === null ? null : toDayNumber(a.endDate) };
  const end = recordedEnd(a);
  return { start: toDayNumber(recordedStart(a)), end: end === null ? null : toDayNumber(end) };
}

const byNikThenAssignment = (a: RosterAssignment, b: RosterAssignment): number =>
  a.nik !== b.nik ? (a.nik < b.nik ? -1 : 1) : a.assignmentId < b.assignmentId ? -1 : a.assignmentId > b.assignmentId ? 1 : 0;

export function checkedSet<T extends RosterAssignment>(
  version: number, projectStartDate: IsoDate, approvals: readonly PolicyApproval[], valueDate: IsoDate, assignments: readonly T[],
): CheckedSet<T> {
  return checkedSetOf(version, paymentPeriod(projectStartDate, approvals, valueDate), assignments);
}

/** checkedSet for a period already known (paymentPeriod): callers that memoise per period ask it first. */
export function checkedSetOf<T extends RosterAssignment>(version: number, period: Period, assignments: readonly T[]): CheckedSet<T> {
  const from = toDayNumber(period.from);
  const to = toDayNumber(period.to);
  const checked = assignments.filter((a) => {
    if (a.cancelled) return false;
    const span = checkedSpan(version, a);
    return span.start <= to && (span.end === null || span.end >= from);
  }).sort(byNikThenAssignment);
  const niks: string[] = [];
  for (const a of checked) if (niks[niks.length - 1] !== a.nik) niks.push(a.nik);
  return { period, assignments: checked, niks };
}
