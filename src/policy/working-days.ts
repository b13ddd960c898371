// Working days: Monday to Friday less the deployment's holidays (national holidays and cuti
// bersama). Pure: the caller reads the holidays (holidays/repository.ts) and passes them in, so a
// decision's evidence can store the very set it was judged with and replay needs nothing else.
import { addDays, fromDayNumber, toDayNumber, type IsoDate } from './dates.ts';

export type HolidaySet = ReadonlySet<IsoDate>;

/** 0 = Sunday ... 6 = Saturday. Day 0 (1970-01-01) was a Thursday. */
export function weekday(date: IsoDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

export function isWorkingDay(date: IsoDate, holidays: HolidaySet): boolean {
  const d = weekday(date);
  return d !== 0 && d !== 6 && !holidays.has(date);
}

/**
 * The date `n` working days after `date` (n >= 0); `date` itself does not count, so with n = 0 the
 * answer is `date`. "Expires after 3 working days" from a Friday is the Wednesday after.
 */
export function addWorkingDays(date: IsoDate, n: number, holidays: HolidaySet): IsoDate {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number >= 0: ${n}`);
  let day = toDayNumber(date);
  let left = n;
  while (left > 0) {
    day += 1;
    if (isWorkingDay(fromDayNumber(day), holidays)) left -= 1;
  }
  return fromDayNumber(day);
}

/** Working days after `from` up to and including `to` (0 when `to <= from`). */
export function workingDaysBetween(from: IsoDate, to: IsoDate, holidays: HolidaySet): number {
  let count = 0;
  for (let d = addDays(from, 1); toDayNumber(d) <= toDayNumber(to); d = addDays(d, 1)) {
    if (isWorkingDay(d, holidays)) count += 1;
  }
  return count;
}

/** The calendar years a span of dates touches, for reading exactly the holidays it needs. */
export function yearsOf(from: IsoDate, to: IsoDate): number[] {
  const first = Number(from.slice(0, 4));
  const last = Number(to.slice(0, 4));
  const years: number[] = [];
  for (let y = first; y <= last; y++) years.push(y);
  return years;
}
