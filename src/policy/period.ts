// The period a payment covers (contract, policy v1 "Who is checked"). Exported on its own so the
// caller can load just the assignments that overlap it before evaluating.
import { fromDayNumber, toDayNumber } from './dates.ts';
import type { IsoDate } from './dates.ts';
import type { Period, PolicyApproval } from './types.ts';

// From the latest approved value date not after this one (or the project's start) to this value
// date, both included. A value date before the project's start (an advance paid before work
// begins) would make `from` later than `to`; the period then shrinks to the value date itself,
// so whoever is on the roster on that day is still checked.
export function paymentPeriod(projectStartDate: IsoDate, approvals: readonly PolicyApproval[], valueDate: IsoDate): Period {
  const to = toDayNumber(valueDate);
  let from = toDayNumber(projectStartDate);
  let latestApproval: number | null = null;
  for (const approval of approvals) {
    const day = toDayNumber(approval.valueDate);
    if (day <= to && (latestApproval === null || day > latestApproval)) latestApproval = day;
  }
  if (latestApproval !== null) from = latestApproval;
  return { from: fromDayNumber(Math.min(from, to)), to: fromDayNumber(to) };
}
