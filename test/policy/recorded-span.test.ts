// Contract 2.1: how a roster change moves current and recorded dates (shared by the roster service).
import { describe, expect, it } from 'vitest';
import {
  applyCorrection, applyDateChange, recordedEnd, recordedSpanOverlaps, recordedStart, removeAssignment,
  type AssignmentDates,
} from '../../src/policy/recorded-span.ts';

const TODAY = '2026-12-07';
const open = (startDate: string, endDate: string | null = null): AssignmentDates =>
  ({ startDate, endDate, reportedStartDate: null, reportedEndDate: null });

describe('applyDateChange', () => {
  it('records the day of the change when an open end is moved into the past', () => {
    const after = applyDateChange(open('2026-10-01'), { startDate: '2026-10-01', endDate: '2026-11-25' }, TODAY);
    expect(after).toEqual({ startDate: '2026-10-01', endDate: '2026-11-25', reportedStartDate: null, reportedEndDate: TODAY });
    expect(recordedEnd(after)).toBe(TODAY);
  });

  it('records the day of the change when a future end is moved into the past', () => {
    const after = applyDateChange(open('2026-10-01', '2027-03-01'), { startDate: '2026-10-01', endDate: '2026-12-01' }, TODAY);
    expect(after.reportedEndDate).toBe(TODAY);
  });

  it('records nothing when the end moves to today or later', () => {
    expect(applyDateChange(open('2026-10-01'), { startDate: '2026-10-01', endDate: TODAY }, TODAY).reportedEndDate).toBeNull();
    expect(applyDateChange(open('2026-10-01', '2027-03-01'), { startDate: '2026-10-01', endDate: '2027-01-01' }, TODAY).reportedEndDate).toBeNull();
  });

  it('never records a day after an end that was already in the past', () => {
    const after = applyDateChange(open('2026-10-01', '2026-11-20'), { startDate: '2026-10-01', endDate: '2026-11-10' }, TODAY);
    expect(after.reportedEndDate).toBe('2026-11-20');
  });

  it('keeps the latest recorded end and the earliest recorded start over several changes', () => {
    let a = applyDateChange(open('2026-10-01'), { startDate: '2026-10-15', endDate: '2026-11-01' }, '2026-11-05');
    expect(a).toMatchObject({ reportedStartDate: '2026-10-01', reportedEndDate: '2026-11-05' });
    a = applyDateChange(a, { startDate: '2026-10-20', endDate: null }, '2026-11-06'); // reopened
    a = applyDateChange(a, { startDate: '2026-10-25', endDate: '2026-11-02' }, TODAY);
    expect(a).toMatchObject({ startDate: '2026-10-25', endDate: '2026-11-02', reportedStartDate: '2026-10-01', reportedEndDate: TODAY });
    expect(recordedStart(a)).toBe('2026-10-01');
    expect(recordedEnd(a)).toBe(TODAY);
  });

  it('records the old start when a start on or before today moves later', () => {
    expect(applyDateChange(open('2026-11-01'), { startDate: '2026-12-08', endDate: null }, TODAY).reportedStartDate).toBe('2026-11-01');
    expect(applyDateChange(open(TODAY), { startDate: '2026-12-08', endDate: null }, TODAY).reportedStartDate).toBe(TODAY);
  });

  it('lets a start that has not come yet move freely', () => {
    const a = applyDateChange(open('2026-12-10'), { startDate: '2026-12-20', endDate: null }, TODAY);
    expect(a).toEqual(open('2026-12-20'));
  });

  it('records nothing when dates move outward', () => {
    const a = applyDateChange(open('2026-11-01', '2026-12-20'), { startDate: '2026-10-01', endDate: null }, TODAY);
    expect(a).toEqual(open('2026-10-01'));
  });

  it('an open recorded span stays open', () => {
    const a: AssignmentDates = { startDate: '2026-11-01', endDate: null, reportedStartDate: null, reportedEndDate: '2026-11-20' };
    expect(recordedEnd(a)).toBeNull();
    expect(recordedSpanOverlaps(a, '2027-01-01', '2027-01-31')).toBe(true);
  });
});

describe('removeAssignment', () => {
  it('cancels a worker whose recorded start is after today', () => {
    expect(removeAssignment(open('2026-12-08'), TODAY)).toEqual({ kind: 'cancel' });
  });

  it('ends a worker who started (or was recorded as starting) on or before today', () => {
    expect(removeAssignment(open(TODAY), TODAY)).toEqual({ kind: 'end', dates: open(TODAY, TODAY) });
    const moved: AssignmentDates = { startDate: '2026-12-20', endDate: null, reportedStartDate: '2026-12-01', reportedEndDate: null };
    expect(removeAssignment(moved, TODAY)).toEqual({ kind: 'end', dates: { ...moved, endDate: TODAY } });
  });

  it('keeps an end that is already before today', () => {
    expect(removeAssignment(open('2026-10-01', '2026-11-01'), TODAY)).toEqual({ kind: 'end', dates: open('2026-10-01', '2026-11-01') });
  });
});

describe('applyCorrection', () => {
  it('takes the corrected dates and drops the recorded ones', () => {
    const a: AssignmentDates = { startDate: '2026-11-01', endDate: '2026-11-10', reportedStartDate: '2026-10-01', reportedEndDate: TODAY };
    expect(applyCorrection(a, { endDate: '2026-11-05' })).toEqual(open('2026-11-01', '2026-11-05'));
    expect(applyCorrection(a, { startDate: '2026-10-15', endDate: null })).toEqual(open('2026-10-15'));
    expect(applyCorrection(a, { cancelled: true })).toBeNull();
  });
});
