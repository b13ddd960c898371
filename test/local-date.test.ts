// localDate keeps its last answer per zone for a minute: the date must still change exactly at
// local midnight, in whole-hour and in odd-offset zones, whatever was asked before.
import { describe, expect, it } from 'vitest';
import { localDate } from '../src/context.ts';

describe('localDate', () => {
  it('turns at local midnight, asked in order, backwards and across zones', () => {
    const at = (iso: string, zone: string) => localDate(new Date(iso), zone);
    expect(at('2026-12-07T16:59:59.999Z', 'Asia/Jakarta')).toBe('2026-12-07');
    expect(at('2026-12-07T17:00:00.000Z', 'Asia/Jakarta')).toBe('2026-12-08');
    expect(at('2026-12-07T16:59:00.000Z', 'Asia/Jakarta')).toBe('2026-12-07');
    // UTC+5:45: midnight falls on a quarter hour.
    expect(at('2026-12-07T18:14:59.999Z', 'Asia/Kathmandu')).toBe('2026-12-07');
    expect(at('2026-12-07T18:15:00.000Z', 'Asia/Kathmandu')).toBe('2026-12-08');
    expect(at('2026-12-07T16:59:30.000Z', 'Asia/Jakarta')).toBe('2026-12-07');
    // Daylight saving: New York's midnight moves from 04:00Z to 05:00Z on 2026-11-01.
    expect(at('2026-11-02T04:59:59.000Z', 'America/New_York')).toBe('2026-11-01');
    expect(at('2026-11-02T05:00:00.000Z', 'America/New_York')).toBe('2026-11-02');
  });
});
