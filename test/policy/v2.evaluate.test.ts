// Policy version 2 (contract 2.4): each bullet of issue 9's problem list, and each change, as a
// test of the pure module. Where the bullet is about version 1 deciding wrongly, the same data is
// also run through version 1 (as the loader would give it) to show the difference.
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/policy/dates.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import { reasonMessage } from '../../src/policy/messages.ts';
import { applyDateChange, removeAssignment } from '../../src/policy/recorded-span.ts';
import type { PolicyResult } from '../../src/policy/types.ts';
import { evaluateV2 } from '../../src/policy/v2/evaluate.ts';
import { v1InputOf } from '../../src/policy/v1-input.ts';
import { inputV2, NPP, REG, VALUE_DATE, worker } from './builders-v2.ts';

const TODAY = VALUE_DATE;
const day = (offset: number): string => addDays(TODAY, offset);
const codes = (r: PolicyResult) => r.reasons.map((x) => x.code);
const codesOf = (r: PolicyResult, code: string) => r.reasons.find((x) => x.code === code)?.workers?.map((w) => w.nik);

describe('policy v2: false approvals of version 1', () => {
  it('a PUT moving an uninsured worker\'s end before their lapse does not hide them (change 1)', () => {
    const b = worker({}, [{ coverageEnd: day(-10) }]);
    // The OPD rewrites B's end to 12 days ago, today: the roster service records today as the end.
    b.assignment = { ...b.assignment, ...applyDateChange(b.assignment, { startDate: b.assignment.startDate, endDate: day(-12) }, TODAY) };
    expect(b.assignment.reportedEndDate).toBe(TODAY);
    const input = inputV2([worker(), b]);
    const v1 = evaluate(1, v1InputOf(input));
    expect(v1.decision).toBe('APPROVED'); // judged on day -12, when still covered
    const v2 = evaluateV2(input);
    expect(v2.decision).toBe('BLOCKED');
    expect(codesOf(v2, 'COVERAGE_LAPSED')).toEqual([b.assignment.nik]);
    expect(v2.workers.find((w) => w.nik === b.assignment.nik)?.lastDay).toBe(TODAY);
  });

  it('moving an inactive worker\'s start to tomorrow keeps them checked (change 1)', () => {
    const c = worker({}, [{ status: 'INACTIVE' }]);
    c.assignment = { ...c.assignment, ...applyDateChange(c.assignment, { startDate: day(1), endDate: null }, TODAY) };
    const input = inputV2([worker(), c]);
    expect(evaluate(1, v1InputOf(input)).decision).toBe('APPROVED');
    const v2 = evaluateV2(input);
    expect(v2.summary.workersChecked).toBe(2);
    expect(codesOf(v2, 'MEMBERSHIP_INACTIVE')).toEqual([c.assignment.nik]);
  });

  it('payments beyond the contract value are blocked, and the typed premium is not judged (changes 7, 12)', () => {
    // After a first approval the OPD patched contractValue down to 1 and bpjsPremiumPaid up.
    const base = inputV2();
    const input = inputV2([worker()], {
      project: { ...base.project, contractValue: 1, bpjsPremiumPaid: 999_999_999 },
      registration: { state: 'FOUND', status: 'PESERTA', premiumRequired: null, premiumPaid: 0 },
      approvals: [{ stage: 'TERMIN_1', valueDate: day(-30) }],
      approvedTotal: 200_000_000,
      request: { stage: 'PELUNASAN', valueDate: TODAY, final: true, amount: 900_000_000 },
    });
    const v2 = evaluateV2(input);
    expect(v2.decision).toBe('BLOCKED');
    const exceeds = v2.reasons.find((r) => r.code === 'AMOUNT_EXCEEDS_CONTRACT');
    expect(exceeds).toMatchObject({ severity: 'block', retryable: false, params: { amount: 900_000_000, approvedTotal: 200_000_000, contractValue: 1 } });
    // Contract value 1 needs a premium of 0: only BPJS's paid figure could have been judged.
    expect(v2.premium.paid).toBe(0);
    expect(v2.premium.paidRecorded).toBe(999_999_999);
  });

  it('approves up to exactly the contract value', () => {
    const input = inputV2([worker()], { approvedTotal: 1_000_000_000, request: { stage: 'TERMIN_2', valueDate: TODAY, final: false, amount: 110_000_000 } });
    expect(evaluateV2(input).decision).toBe('APPROVED');
    const over = inputV2([worker()], { approvedTotal: 1_000_000_000, request: { stage: 'TERMIN_2', valueDate: TODAY, final: false, amount: 110_000_001 } });
    expect(codes(evaluateV2(over))).toEqual(['AMOUNT_EXCEEDS_CONTRACT']);
  });
});

describe('policy v2: false blocks and noise of version 1', () => {
  it('a day labourer on two registered projects of one contractor is covered on both (change 3)', () => {
    const w = worker({}, [{ projectNumber: '555000111', changedAt: '2025-09-14T11:00:00.000Z' }, { projectNumber: REG }]);
    const input = inputV2([w]);
    expect(codes(evaluate(1, v1InputOf(input)))).toEqual([]); // the loader gives v1 the best fitting one
    const v2 = evaluateV2(input);
    expect(v2.decision).toBe('APPROVED');
    expect(v2.workers[0]?.coverage).toEqual({ segment: 'JAKON', projectNumber: REG, employerNpp: null });
  });

  it('the advance before work starts is not EMPTY_ROSTER; the registration and premium still are judged (change 6)', () => {
    const base = inputV2();
    const advance = inputV2([worker({ startDate: day(20) })], {
      project: { ...base.project, startDate: day(20) },
      request: { stage: 'UANG_MUKA', valueDate: TODAY, final: false, amount: 100_000_000 },
    });
    expect(codes(evaluate(1, v1InputOf(advance)))).toEqual(['EMPTY_ROSTER']);
    expect(evaluateV2(advance).decision).toBe('APPROVED');
    const unpaid = { ...advance, registration: { state: 'FOUND' as const, status: 'PESERTA' as const, premiumRequired: null, premiumPaid: 0 } };
    expect(codes(evaluateV2(unpaid))).toEqual(['PREMIUM_SHORTFALL']);
    const termin = { ...advance, request: { ...advance.request, stage: 'TERMIN_1' } };
    expect(codes(evaluateV2(termin))).toEqual(['EMPTY_ROSTER']);
  });

  it('a person who left and came back is one person, judged on the latest day from the earliest start (change 2)', () => {
    const first = worker({ startDate: '2025-07-01', endDate: '2025-08-01' }, [{ coverageStart: '2025-08-20', coverageEnd: null, status: 'INACTIVE' }]);
    const back = { ...first.assignment, assignmentId: 'a-back', startDate: '2025-08-20', endDate: null };
    const input = inputV2([first], { assignments: [first.assignment, back] });
    const v1 = evaluate(1, v1InputOf(input));
    expect(v1.summary.workersChecked).toBe(2);
    const v2 = evaluateV2(input);
    expect(v2.summary).toEqual({ workersChecked: 1, compliant: 0, nonCompliant: 1, unverified: 0 });
    expect(v2.workers[0]).toMatchObject({ assignmentId: 'a-back', lastDay: TODAY, assignmentIds: [first.assignment.assignmentId, 'a-back'] });
    // Inactive today, and coverage began 35 working days after the earliest start.
    const inactive = v2.reasons.find((r) => r.code === 'MEMBERSHIP_INACTIVE');
    expect(inactive?.workers).toHaveLength(1);
    expect(codes(v2)).toEqual(['MEMBERSHIP_INACTIVE', 'COVERAGE_STARTED_LATE']);
  });

  it('removing a worker who has not started cancels them: never checked (2.1)', () => {
    const later = worker({ startDate: day(3) }, [{ status: 'INACTIVE', coverageStart: day(3) }]);
    expect(removeAssignment(later.assignment, TODAY)).toEqual({ kind: 'cancel' });
    const cancelled = { ...later, assignment: { ...later.assignment, cancelled: true } };
    const input = inputV2([worker(), cancelled]);
    expect(evaluateV2(input).summary.workersChecked).toBe(1);
    expect(evaluate(1, v1InputOf(input)).summary.workersChecked).toBe(1);
  });

  it('without a registration number only PROJECT_NOT_REGISTERED is said (change 8)', () => {
    const base = inputV2();
    const input = inputV2([worker(), worker()], {
      project: { ...base.project, bpjsRegistrationNumber: null },
      registration: { state: 'NOT_FOUND' },
    });
    const v1 = evaluate(1, { ...v1InputOf(input), registration: { source: 'snapshot' } });
    expect(codes(v1)).toEqual(['PROJECT_NOT_REGISTERED', 'OTHER_PROJECT_COVERAGE', 'PREMIUM_SHORTFALL']);
    const v2 = evaluateV2(input);
    expect(codes(v2)).toEqual(['PROJECT_NOT_REGISTERED']);
    expect(v2.premium.shortfall).toBe(0);
    expect(v2.summary.compliant).toBe(2);
  });

  it('while the registration is only MENDAFTAR, other Jakon coverage is not reported and the premium is not judged (change 8)', () => {
    const input = inputV2([worker({}, [{ projectNumber: '777' }])], {
      registration: { state: 'FOUND', status: 'MENDAFTAR', premiumRequired: null, premiumPaid: 0 },
    });
    expect(codes(evaluateV2(input))).toEqual(['PROJECT_NOT_REGISTERED']);
  });

  it('a yearly BPU renewal is continuous coverage, not a late start (change 9)', () => {
    const renewed = worker({ startDate: '2025-07-01' }, [{
      segment: 'BPU', projectNumber: null, coverageStart: '2025-08-20', coverageEnd: '2026-08-19',
      history: [{ coverageStart: '2024-08-20', coverageEnd: '2025-08-19' }],
    }]);
    const input = inputV2([renewed]);
    expect(codes(evaluate(1, v1InputOf(input)))).toEqual(['COVERAGE_STARTED_LATE']);
    expect(codes(evaluateV2(input))).toEqual(['SELF_PAID_COVERAGE']);
    // With a gap of a day the run starts again at the renewal.
    const gap = worker({ startDate: '2025-07-01' }, [{
      segment: 'BPU', projectNumber: null, coverageStart: '2025-08-21', coverageEnd: '2026-08-19',
      history: [{ coverageStart: '2024-08-20', coverageEnd: '2025-08-19' }],
    }]);
    expect(codes(evaluateV2(inputV2([gap])))).toEqual(['COVERAGE_STARTED_LATE', 'SELF_PAID_COVERAGE']);
  });

  it('"30 days" are working days, less the holidays (change 9)', () => {
    // Started Mon 1 Sep 2025; covered from Fri 10 Oct: 29 calendar+ days later but only 29 working days.
    const w = worker({ startDate: '2025-09-01' }, [{ coverageStart: '2025-10-10', coverageEnd: null }]);
    const late = inputV2([w], { request: { stage: 'TERMIN_1', valueDate: '2025-10-15', final: false, amount: 1 } });
    expect(codes(evaluate(1, v1InputOf(late)))).toEqual(['COVERAGE_STARTED_LATE']); // 39 calendar days
    expect(codes(evaluateV2(late))).toEqual([]); // 29 working days
    // From Mon 1 Sep, the 31st working day is Tue 14 Oct; a holiday in between pushes it to Wed 15 Oct.
    const covered = (start: string, holidays: string[] = []) =>
      codes(evaluateV2(inputV2([worker({ startDate: '2025-09-01' }, [{ coverageStart: start, coverageEnd: null }])], {
        request: { stage: 'TERMIN_1', valueDate: '2025-10-20', final: false, amount: 1 }, holidays,
      })));
    expect(covered('2025-10-13')).toEqual([]);
    expect(covered('2025-10-14')).toEqual(['COVERAGE_STARTED_LATE']);
    expect(covered('2025-10-14', ['2025-09-05'])).toEqual([]);
  });
});

describe('policy v2: trust in typed figures', () => {
  it('an unverified registration is PROJECT_UNVERIFIED and the premium is not judged (2.3)', () => {
    const input = inputV2([worker()], { registration: { state: 'UNVERIFIED' } });
    const v2 = evaluateV2(input);
    expect(v2.reasons).toEqual([{ code: 'PROJECT_UNVERIFIED', severity: 'block', retryable: true }]);
    expect(v2.premium.paid).toBeNull();
  });

  it('a registration BPJS does not know is PROJECT_NOT_REGISTERED', () => {
    expect(codes(evaluateV2(inputV2([worker()], { registration: { state: 'NOT_FOUND' } })))).toEqual(['PROJECT_NOT_REGISTERED']);
  });

  it('the paid figure is BPJS\'s, never the one typed into the project (change 7)', () => {
    const base = inputV2();
    const input = inputV2([worker()], {
      project: { ...base.project, bpjsPremiumPaid: 1_750_000 },
      registration: { state: 'FOUND', status: 'PESERTA', premiumRequired: null, premiumPaid: 800_000 },
    });
    const v2 = evaluateV2(input);
    expect(codes(v2)).toEqual(['PREMIUM_SHORTFALL']);
    expect(v2.premium).toMatchObject({ requiredForPayment: 875_000, paid: 800_000, shortfall: 75_000, paidRecorded: 1_750_000 });
  });

  it('BPJS\'s required figure wins; a difference beyond Rp1 is flagged with both figures (change 7)', () => {
    const reg = (premiumRequired: number | null, premiumPaid: number) =>
      evaluateV2(inputV2([worker()], { registration: { state: 'FOUND', status: 'PESERTA', premiumRequired, premiumPaid } }));
    const bpjs = reg(2_000_000, 1_000_000);
    expect(bpjs.premium.required).toEqual({ total: 2_000_000, source: 'BPJS' });
    expect(bpjs.premium.computed).toEqual({ jkk: 1_540_000, jkm: 210_000, total: 1_750_000 });
    expect(bpjs.premium.requiredForPayment).toBe(1_000_000);
    const mismatch = bpjs.reasons.find((r) => r.code === 'PREMIUM_FIGURE_MISMATCH');
    expect(mismatch).toMatchObject({ severity: 'warn', params: { premiumRequiredBpjs: 2_000_000, premiumComputed: 1_750_000 } });
    expect(bpjs.decision).toBe('APPROVED');
    expect(reasonMessage('PREMIUM_FIGURE_MISMATCH', 'id', mismatch?.params)).toContain('Rp2.000.000');
    expect(reasonMessage('PREMIUM_FIGURE_MISMATCH', 'en', mismatch?.params)).toContain('IDR 1,750,000');
    expect(codes(reg(1_750_001, 1_750_001))).toEqual([]); // a rupiah apart is the same figure
    expect(codes(reg(2_000_000, 999_999))).toEqual(['PREMIUM_SHORTFALL', 'PREMIUM_FIGURE_MISMATCH']);
    const computed = reg(null, 1_750_000);
    expect(computed.premium.required).toEqual({ jkk: 1_540_000, jkm: 210_000, total: 1_750_000, source: 'COMPUTED' });
  });
});

describe('policy v2: coverages and new codes', () => {
  it('PU needs the contractor\'s employer number (change 4)', () => {
    const pu = (contractorEmployerNpp: string | null, employerNpp: string | null) => {
      const base = inputV2();
      return codes(evaluateV2(inputV2([worker({}, [{ segment: 'PU', projectNumber: null, employerNpp }])], {
        project: { ...base.project, contractorEmployerNpp },
      })));
    };
    expect(pu(NPP, NPP)).toEqual([]);
    expect(pu(NPP, '999')).toEqual(['OTHER_EMPLOYER_COVERAGE']);
    expect(pu(NPP, null)).toEqual(['OTHER_EMPLOYER_COVERAGE']);
    expect(pu(null, NPP)).toEqual(['EMPLOYER_NUMBER_MISSING']);
    expect(pu(null, null)).toEqual(['EMPLOYER_NUMBER_MISSING']);
  });

  it('reports the closest fitting coverage when none covers, and the misfit when none fits (change 3)', () => {
    const lapsedAndInactive = { status: 'INACTIVE' as const, coverageEnd: day(-5) };
    const w = worker({}, [lapsedAndInactive, { segment: 'BPU', projectNumber: null, programs: ['JKK'] }]);
    expect(codes(evaluateV2(inputV2([w])))).toEqual(['PROGRAM_MISSING']);
    const misfit = worker({}, [{ projectNumber: '777' }, { segment: 'PU', projectNumber: null, employerNpp: '999' }]);
    expect(codes(evaluateV2(inputV2([misfit])))).toEqual(['OTHER_PROJECT_COVERAGE', 'OTHER_EMPLOYER_COVERAGE']);
  });

  it('ties between equally close coverages go to the most recently changed', () => {
    const w = worker({}, [
      { segment: 'BPU', projectNumber: null, programs: ['JKK'], changedAt: '2025-09-01T00:00:00.000Z' },
      { coverageEnd: day(-1), changedAt: '2025-09-10T00:00:00.000Z' },
    ]);
    expect(codes(evaluateV2(inputV2([w])))).toEqual(['COVERAGE_LAPSED']);
  });

  it('own BPU coverage only: SELF_PAID_COVERAGE (warn); with the contractor\'s coverage too: nothing (change 5)', () => {
    const bpu = { segment: 'BPU' as const, projectNumber: null };
    const only = evaluateV2(inputV2([worker({}, [bpu])]));
    expect(only.decision).toBe('APPROVED');
    expect(only.reasons).toEqual([expect.objectContaining({ code: 'SELF_PAID_COVERAGE', severity: 'warn', retryable: false })]);
    expect(codes(evaluateV2(inputV2([worker({}, [bpu, {}])])))).toEqual([]);
  });

  it('KPJ_MISMATCH only when the roster\'s KPJ matches none of the coverages (change 3)', () => {
    const two = [{ kpj: '10000000009' }, { segment: 'BPU' as const, projectNumber: null, kpj: '10000000001' }];
    expect(codes(evaluateV2(inputV2([worker({ kpj: '10000000001' }, two)])))).toEqual([]);
    expect(codes(evaluateV2(inputV2([worker({ kpj: '10000000002' }, two)])))).toEqual(['KPJ_MISMATCH']);
  });

  it('a fresh fitting coverage that covers is enough; a stale one never is (2.2)', () => {
    const staleToo = worker({}, [{}, { segment: 'BPU', projectNumber: null, fresh: false }]);
    expect(codes(evaluateV2(inputV2([staleToo])))).toEqual([]);
    const onlyStale = worker({}, [{ fresh: false }]);
    expect(evaluateV2(inputV2([onlyStale])).reasons).toEqual([expect.objectContaining({ code: 'MEMBERSHIP_UNVERIFIED', retryable: true })]);
    // A fresh lapsed coverage does not decide while a stale fitting one might still cover.
    const mixed = worker({}, [{ coverageEnd: day(-3) }, { segment: 'BPU', projectNumber: null, fresh: false }]);
    expect(codes(evaluateV2(inputV2([mixed])))).toEqual(['MEMBERSHIP_UNVERIFIED']);
    expect(evaluateV2(inputV2([mixed])).summary.unverified).toBe(1);
    // A stale coverage that could never fit changes nothing.
    const misfitStale = worker({}, [{ coverageEnd: day(-3) }, { projectNumber: '777', fresh: false }]);
    expect(codes(evaluateV2(inputV2([misfitStale])))).toEqual(['COVERAGE_LAPSED']);
    expect(codes(evaluateV2(inputV2([worker({}, [], 'NOT_FOUND')])))).toEqual(['WORKER_NOT_FOUND']);
    expect(codes(evaluateV2(inputV2([worker({}, [], 'UNVERIFIED')])))).toEqual(['MEMBERSHIP_UNVERIFIED']);
  });

  it('lists a corrected person once as ROSTER_CORRECTED when the old span overlapped the period (change 10)', () => {
    const w = worker({ endDate: day(-20) });
    const before = { startDate: '2025-07-01', endDate: null, reportedStartDate: null, reportedEndDate: null, cancelled: false };
    const correction = { id: 'c-1', assignmentId: w.assignment.assignmentId, nik: w.assignment.nik, name: w.assignment.name, correctedOn: day(-2), before };
    const input = inputV2([w], {
      approvals: [{ stage: 'TERMIN_1', valueDate: day(-10) }],
      request: { stage: 'TERMIN_2', valueDate: TODAY, final: false, amount: 1 },
      corrections: [correction, { ...correction, id: 'c-2', correctedOn: day(-1) }],
    });
    const v2 = evaluateV2(input);
    // Taken out of the check by the correction, and listed so finance sees it.
    expect(v2.summary.workersChecked).toBe(0);
    expect(v2.reasons).toEqual([
      expect.objectContaining({ code: 'EMPTY_ROSTER' }),
      { code: 'ROSTER_CORRECTED', severity: 'warn', retryable: false, workers: [{ assignmentId: w.assignment.assignmentId, nik: w.assignment.nik, name: w.assignment.name }] },
    ]);
    // Made before the last approval, or over a span outside the period: not listed.
    expect(codes(evaluateV2({ ...input, corrections: [{ ...correction, correctedOn: day(-11) }] }))).toEqual(['EMPTY_ROSTER']);
    const outside = { ...correction, before: { ...before, endDate: day(-15) } };
    expect(codes(evaluateV2({ ...input, corrections: [outside] }))).toEqual(['EMPTY_ROSTER']);
  });

  it('messages exist in both languages for the new codes', () => {
    for (const code of ['EMPLOYER_NUMBER_MISSING', 'AMOUNT_EXCEEDS_CONTRACT', 'SELF_PAID_COVERAGE', 'PREMIUM_FIGURE_MISMATCH', 'ROSTER_CORRECTED'] as const) {
      const id = reasonMessage(code, 'id', { count: 2 });
      const en = reasonMessage(code, 'en', { count: 2 });
      expect(id.length).toBeGreaterThan(20);
      expect(en.length).toBeGreaterThan(20);
      expect(id).not.toBe(en);
    }
    expect(reasonMessage('AMOUNT_EXCEEDS_CONTRACT', 'en', { amount: 900_000_000, approvedTotal: 200_000_000, contractValue: 1 }))
      .toContain('IDR 900,000,000');
  });

  it('returns the v2 policy id and version', () => {
    expect(evaluateV2(inputV2()).policy).toEqual({ id: 'perwali-palembang-3-2025', version: 2 });
    expect(evaluate(2, inputV2()).policy.version).toBe(2);
  });
});
