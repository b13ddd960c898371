// Calendar day numbers: every date from year 0000 to 2517 round-trips, and anything that is not a
// real YYYY-MM-DD date is refused (the policy's dates come from stored rows and must never wrap).
import { describe, expect, it } from 'vitest';
import { addDays, fromDayNumber, isIsoDate, toDayNumber } from '../../src/policy/dates.ts';

describe('toDayNumber / fromDayNumber', () => {
  it('round-trips every day from 0000-03-01 on, with the known anchors', () => {
    expect(toDayNumber('1970-01-01')).toBe(0);
    expect(toDayNumber('2024-02-29')).toBe(19782);
    expect(toDayNumber('0000-03-01')).toBe(-719468);
    for (let d = -719468; d < 200_000; d++) {
      const date = fromDayNumber(d);
      if (toDayNumber(date) !== d) throw new Error(`${date} read back as ${toDayNumber(date)}, not ${d}`);
    }
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
  });

  it('refuses what is not a calendar date, as isIsoDate does', () => {
    for (const bad of ['2025-02-29', '2024-02-30', '2025-13-01', '2025-00-10', '2025-01-00', '2025-1-01', '20250101', '2025-01-1a',
      ' 2025-01-01', '2025-01-01T00:00', '', '２０２５-01-01', '2025/01/01', '-025-01-01']) {
      expect(isIsoDate(bad), bad).toBe(false);
      expect(() => toDayNumber(bad), bad).toThrow(RangeError);
    }
  });
});
