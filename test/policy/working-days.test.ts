import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/policy/dates.ts';
import { addWorkingDays, isWorkingDay, weekday, workingDaysBetween, yearsOf } from '../../src/policy/working-days.ts';

describe('working days', () => {
  const none = new Set<string>();

  it('knows the weekday of known dates', () => {
    expect(weekday('1970-01-01')).toBe(4);
    expect(weekday('2026-12-07')).toBe(1);
    expect(weekday('2026-12-05')).toBe(6);
    expect(weekday('1969-12-28')).toBe(0);
  });

  it('counts Monday to Friday less holidays', () => {
    expect(isWorkingDay('2026-12-07', none)).toBe(true);
    expect(isWorkingDay('2026-12-06', none)).toBe(false);
    expect(isWorkingDay('2026-12-25', new Set(['2026-12-25']))).toBe(false);
    // Friday + 3 working days = Wednesday.
    expect(addWorkingDays('2026-12-04', 3, none)).toBe('2026-12-09');
    expect(addWorkingDays('2026-12-04', 3, new Set(['2026-12-08']))).toBe('2026-12-10');
    expect(addWorkingDays('2026-12-05', 0, none)).toBe('2026-12-05');
    expect(workingDaysBetween('2026-12-04', '2026-12-09', none)).toBe(3);
    expect(workingDaysBetween('2026-12-09', '2026-12-04', none)).toBe(0);
    expect(yearsOf('2026-12-30', '2027-01-04')).toEqual([2026, 2027]);
    expect(() => addWorkingDays('2026-12-04', -1, none)).toThrow(RangeError);
  });

  it('addWorkingDays and workingDaysBetween agree, and the answer is a working day', () => {
    const date = fc.integer({ min: 0, max: 3000 }).map((n) => addDays('2024-01-01', n));
    fc.assert(fc.property(date, fc.integer({ min: 1, max: 40 }), fc.uniqueArray(fc.integer({ min: 0, max: 90 }), { maxLength: 20 }),
      (start, n, offsets) => {
        const holidays = new Set(offsets.map((o) => addDays(start, o)));
        const end = addWorkingDays(start, n, holidays);
        expect(isWorkingDay(end, holidays)).toBe(true);
        expect(workingDaysBetween(start, end, holidays)).toBe(n);
        expect(workingDaysBetween(start, addDays(end, -1), holidays)).toBe(n - 1);
      }), { seed: 13, numRuns: 300 });
  });
});
