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

/**
 * The approvals a request's evaluation depends on, in their order: those of its own stage (stage
 * already approved) and the first of those with the latest value date on or before its own (the
 * period's start). Both policy versions read approvals for these two things only, so evaluating
 * with this list gives the same result as with all of them, and a decision's evidence stays the
 * same size however many stages the project has been paid.
 */
export function approvalsFor(approvals: readonly PolicyApproval[], stage: string | null, valueDate: IsoDate): PolicyApproval[] {
  const to = toDayNumber(valueDate);
  let latest: PolicyApproval | null = null;
  let latestDay = -Infinity;
  for (const approval of approvals) {
    const day = toDayNumber(approval.valueDate);
    if (day <= to && day > latestDay) {
      latest = approval;
      latestDay = day;
    }
  }
  return approvals.filter((a) => a === latest || (stage !== null && a.stage === stage));
}
