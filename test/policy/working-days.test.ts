import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/policy/dates.ts';
import { addWorkingDays, holidaySet, holidaysOfYears, isWorkingDay, weekday, workingDaysBetween, yearsOf } from '../../src/policy/working-days.ts';

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

describe('working days over whole weeks and holidays', () => {
  // Indonesia 2026, a few of the SKB's days: Nyepi 19 Mar (Thu), Idul Fitri 20-21 Mar, cuti bersama 18, 23-24 Mar.
  const march2026 = holidaySet(['2026-03-18', '2026-03-19', '2026-03-20', '2026-03-21', '2026-03-23', '2026-03-24']);

  it('counts across Lebaran and long spans', () => {
    // From Tue 17 Mar to Fri 27 Mar 2026 only 25, 26, 27 count.
    expect(workingDaysBetween('2026-03-17', '2026-03-27', march2026)).toBe(3);
    expect(addWorkingDays('2026-03-02', 30, march2026)).toBe('2026-04-20');
    expect(addWorkingDays('2026-12-07', 30, new Set())).toBe('2027-01-18');
  });

  it('agrees with a day-by-day count, whatever the span and holidays', () => {
    const holidays = fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 30 }).map((offsets) => offsets.map((o) => addDays('2025-12-01', o)));
    fc.assert(fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: -10, max: 120 }), holidays, (a, span, hs) => {
      const set = holidaySet(hs);
      const from = addDays('2025-12-01', a);
      let naive = 0;
      for (let i = 1; i <= span; i++) if (isWorkingDay(addDays(from, i), set)) naive++;
      expect(workingDaysBetween(from, addDays(from, span), set)).toBe(naive);
    }), { seed: 17, numRuns: 300 });
  });

  it('keeps the holidays of the years asked, once each, in order', () => {
    expect(holidaysOfYears(['2027-01-01', '2025-12-25', '2026-01-01', '2025-12-25'], new Set([2025, 2026])))
      .toEqual(['2025-12-25', '2026-01-01']);
  });
});
