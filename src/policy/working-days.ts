// Working days: Monday to Friday less the deployment's holidays (national holidays and cuti
// bersama). Pure: the caller reads the holidays (holidays/repository.ts) and passes them in, so a
// decision's evidence can store the very set it was judged with and replay needs nothing else.
import { fromDayNumber, toDayNumber, type IsoDate } from './dates.ts';

export type HolidaySet = ReadonlySet<IsoDate>;

export function holidaySet(dates: Iterable<IsoDate>): HolidaySet {
  return new Set(dates);
}

/** 0 = Sunday ... 6 = Saturday, for a day number. Day 0 (1970-01-01) was a Thursday. */
const weekdayOfDay = (day: number): number => (((day + 4) % 7) + 7) % 7;
const isWeekday = (day: number): boolean => {
  const d = weekdayOfDay(day);
  return d !== 0 && d !== 6;
};

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(date: IsoDate): number {
  return weekdayOfDay(toDayNumber(date));
}

export function isWorkingDay(date: IsoDate, holidays: HolidaySet): boolean {
  return isWeekday(toDayNumber(date)) && !holidays.has(date);
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
    if (isWeekday(day) && !holidays.has(fromDayNumber(day))) left -= 1;
  }
  return fromDayNumber(day);
}

// The weekday holidays of a set as day numbers, worked out once per set: policy v2 counts working
// days for every checked person of a decision with the same set.
const weekdayHolidays = new WeakMap<HolidaySet, number[]>();

function holidayDays(holidays: HolidaySet): number[] {
  let days = weekdayHolidays.get(holidays);
  if (days === undefined) {
    days = [...holidays].map(toDayNumber).filter(isWeekday);
    weekdayHolidays.set(holidays, days);
  }
  return days;
}

/** Working days after `from` up to and including `to` (0 when `to <= from`). */
export function workingDaysBetween(from: IsoDate, to: IsoDate, holidays: HolidaySet): number {
  const a = toDayNumber(from);
  const b = toDayNumber(to);
  if (b <= a) return 0;
  // Whole weeks hold five weekdays each; only the remainder is walked, then holidays subtracted.
  const weeks = Math.floor((b - a) / 7);
  let count = weeks * 5;
  for (let day = a + weeks * 7 + 1; day <= b; day++) if (isWeekday(day)) count++;
  for (const h of holidayDays(holidays)) if (h > a && h <= b) count--;
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

/** The holidays that fall in the given calendar years, once each, sorted (what a decision's evidence keeps). */
export function holidaysOfYears(holidays: Iterable<IsoDate>, years: ReadonlySet<number>): IsoDate[] {
  return [...new Set([...holidays].filter((d) => years.has(Number(d.slice(0, 4)))))].sort();
}
