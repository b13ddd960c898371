import { describe, expect, it } from 'vitest';
import {
  CURRENT_POLICY_VERSION, evaluate, paymentPeriod, POLICY_ID, POLICY_VERSIONS, UnknownPolicyVersionError,
} from '../../src/policy/evaluate.ts';
import { explainReason, reasonMessage } from '../../src/policy/messages.ts';
import { computePremium } from '../../src/policy/premium.ts';
import { REASON_CODES } from '../../src/policy/types.ts';
import type { PolicyInput, PolicyResult, PolicyWorker, ReasonCode } from '../../src/policy/types.ts';
import { input, NPP, REG, worker } from './builders.ts';

const run = (i: PolicyInput): PolicyResult => evaluate(1, i);
const codes = (r: PolicyResult): ReasonCode[] => r.reasons.map((x) => x.code);
const codesOf = (r: PolicyResult, w: PolicyWorker): ReasonCode[] | undefined =>
  r.workers.find((x) => x.assignmentId === w.assignmentId)?.codes;
const checkedIds = (r: PolicyResult): string[] => r.workers.map((w) => w.assignmentId);

// The request in input() is valued 2025-09-15.
const oneWorker = (w: PolicyWorker, over: Partial<PolicyInput> = {}): PolicyResult => run(input({ workers: [w], ...over }));

describe('registry', () => {
  it('names the policy and its versions', () => {
    expect(POLICY_ID).toBe('perwali-palembang-3-2025');
    expect(CURRENT_POLICY_VERSION).toBe(1);
    expect(POLICY_VERSIONS).toContain(CURRENT_POLICY_VERSION);
    expect(run(input()).policy).toEqual({ id: POLICY_ID, version: 1 });
  });

  it('throws for a version it does not know', () => {
    for (const v of [0, 3, 1.5, -1, Number.NaN]) {
      expect(() => evaluate(v, input()), String(v)).toThrow(UnknownPolicyVersionError);
    }
    // Version 2 exists but takes another input: given version 1's, it refuses rather than guess.
    expect(() => evaluate(2, input())).toThrow(TypeError);
  });

  it('approves the compliant baseline with no reasons', () => {
    const r = run(input());
    expect(r.decision).toBe('APPROVED');
    expect(r.reasons).toEqual([]);
    expect(r.summary).toEqual({ workersChecked: 1, compliant: 1, nonCompliant: 0, unverified: 0 });
  });

  it('does not change its input', () => {
    const i = input({ workers: [worker({ nik: '3301010101900009' }), worker({ nik: '1101010101900001' })] });
    const copy = structuredClone(i);
    run(i);
    expect(i).toEqual(copy);
  });

  it('refuses inconsistent input rather than guess', () => {
    const w = worker();
    expect(() => run(input({ workers: [w, { ...w }] }))).toThrow(/twice/);
    expect(() => oneWorker(worker({ membership: null }))).toThrow(/FOUND/);
    expect(() => run(input({ request: { stage: null, valueDate: '2025-02-30', final: false } }))).toThrow(RangeError);
  });
});

describe('period', () => {
  it('runs from the project start when nothing was approved yet', () => {
    expect(paymentPeriod('2025-07-01', [], '2025-09-15')).toEqual({ from: '2025-07-01', to: '2025-09-15' });
  });

  it('runs from the latest approved value date not after this one', () => {
    const approvals = [
      { stage: 'UANG_MUKA', valueDate: '2025-07-10' },
      { stage: 'TERMIN_1', valueDate: '2025-08-20' },
      { stage: 'TERMIN_2', valueDate: '2025-10-01' }, // after this request: ignored
    ];
    expect(paymentPeriod('2025-07-01', approvals, '2025-09-15')).toEqual({ from: '2025-08-20', to: '2025-09-15' });
    expect(paymentPeriod('2025-07-01', approvals, '2025-08-20')).toEqual({ from: '2025-08-20', to: '2025-08-20' });
  });

  it('shrinks to the value date when the value date precedes the project start', () => {
    expect(paymentPeriod('2025-07-01', [], '2025-06-25')).toEqual({ from: '2025-06-25', to: '2025-06-25' });
  });

  it('checks exactly the assignments that overlap the period, both ends included', () => {
    const approvals = [{ stage: 'UANG_MUKA', valueDate: '2025-08-01' }]; // period 2025-08-01 .. 2025-09-15
    const endsOnFrom = worker({ endDate: '2025-08-01' }, { status: 'INACTIVE' });
    const endsBeforeFrom = worker({ endDate: '2025-07-31' });
    const startsOnTo = worker({ startDate: '2025-09-15' });
    const startsAfterTo = worker({ startDate: '2025-09-16' });
    const r = run(input({ approvals, workers: [endsOnFrom, endsBeforeFrom, startsOnTo, startsAfterTo] }));
    expect(r.period).toEqual({ from: '2025-08-01', to: '2025-09-15' });
    expect(checkedIds(r).sort()).toEqual([endsOnFrom.assignmentId, startsOnTo.assignmentId].sort());
    expect(r.workers.find((w) => w.assignmentId === endsOnFrom.assignmentId)?.lastDay).toBe('2025-08-01');
    expect(r.decision).toBe('APPROVED');
  });

  it('reports EMPTY_ROSTER when nobody worked in the period', () => {
    const r = run(input({ workers: [worker({ startDate: '2025-09-16' })] }));
    expect(codes(r)).toEqual(['EMPTY_ROSTER']);
    expect(r.decision).toBe('BLOCKED');
    expect(r.summary.workersChecked).toBe(0);
    expect(run(input({ workers: [] })).reasons).toEqual([{ code: 'EMPTY_ROSTER', severity: 'block', retryable: false }]);
  });
});

describe('workers who left during the period', () => {
  it('are judged on their last day and need not be ACTIVE any more', () => {
    const leaver = worker({ endDate: '2025-08-31' }, { status: 'INACTIVE', coverageEnd: '2025-08-31' });
    const r = oneWorker(leaver);
    expect(r.decision).toBe('APPROVED');
    expect(r.workers[0]).toMatchObject({ outcome: 'COMPLIANT', lastDay: '2025-08-31', codes: [] });
  });

  it('still need coverage on their last day', () => {
    const leaver = worker({ endDate: '2025-08-31' }, { status: 'INACTIVE', coverageEnd: '2025-08-30' });
    expect(codesOf(oneWorker(leaver), leaver)).toEqual(['COVERAGE_LAPSED']);
  });

  it('get no expiring-soon warning', () => {
    const leaver = worker({ endDate: '2025-09-14' }, { coverageEnd: '2025-09-20' });
    const r = oneWorker(leaver);
    expect(codes(r)).toEqual([]);
    expect(r.expiringSoon).toEqual([]);
  });

  it('are current when they end on the value date, and must then be ACTIVE', () => {
    const last = worker({ endDate: '2025-09-15' }, { status: 'INACTIVE' });
    expect(codesOf(oneWorker(last), last)).toEqual(['MEMBERSHIP_INACTIVE']);
    const current = worker({}, { status: 'INACTIVE' });
    expect(codesOf(oneWorker(current), current)).toEqual(['MEMBERSHIP_INACTIVE']);
  });
});

describe('coverage period', () => {
  it('covers a worker whose coverage ends on the value date, with a warning', () => {
    const w = worker({}, { coverageEnd: '2025-09-15' });
    const r = oneWorker(w);
    expect(r.decision).toBe('APPROVED');
    expect(codesOf(r, w)).toEqual(['COVERAGE_EXPIRING_SOON']);
    expect(r.reasons).toEqual([{
      code: 'COVERAGE_EXPIRING_SOON', severity: 'warn', retryable: false,
      workers: [{ assignmentId: w.assignmentId, nik: w.nik, name: w.name }],
    }]);
    expect(r.expiringSoon).toEqual([{ assignmentId: w.assignmentId, nik: w.nik, name: w.name, coverageEnd: '2025-09-15' }]);
  });

  it('has lapsed when coverage ended the day before', () => {
    const w = worker({}, { coverageEnd: '2025-09-14' });
    expect(codesOf(oneWorker(w), w)).toEqual(['COVERAGE_LAPSED']);
  });

  it('must have started by the last day', () => {
    const onTime = worker({}, { coverageStart: '2025-09-15' });
    const tooLate = worker({}, { coverageStart: '2025-09-16' });
    const r = run(input({ workers: [onTime, tooLate] }));
    expect(codesOf(r, onTime)).toEqual(['COVERAGE_STARTED_LATE']);
    expect(codesOf(r, tooLate)).toEqual(['COVERAGE_LAPSED', 'COVERAGE_STARTED_LATE']);
  });

  it('may be open-ended', () => {
    const w = worker({}, { coverageEnd: null });
    expect(codesOf(oneWorker(w), w)).toEqual([]);
  });

  it('warns expiring soon up to 14 days after the value date, not 15', () => {
    const day14 = worker({}, { coverageEnd: '2025-09-29' });
    const day15 = worker({}, { coverageEnd: '2025-09-30' });
    const r = run(input({ workers: [day14, day15] }));
    expect(codesOf(r, day14)).toEqual(['COVERAGE_EXPIRING_SOON']);
    expect(codesOf(r, day15)).toEqual([]);
    expect(r.expiringSoon.map((e) => e.assignmentId)).toEqual([day14.assignmentId]);
  });

  it('warns started late when coverage began 31 days after the assignment, not 30', () => {
    const day30 = worker({ startDate: '2025-07-01' }, { coverageStart: '2025-07-31' });
    const day31 = worker({ startDate: '2025-07-01' }, { coverageStart: '2025-08-01' });
    const r = run(input({ workers: [day30, day31] }));
    expect(codesOf(r, day30)).toEqual([]);
    expect(codesOf(r, day31)).toEqual(['COVERAGE_STARTED_LATE']);
    expect(r.decision).toBe('APPROVED');
    expect(r.reasons.find((x) => x.code === 'COVERAGE_STARTED_LATE')?.severity).toBe('warn');
  });
});

describe('programs, fit and KPJ', () => {
  it('needs both JKK and JKM; other programs do not matter', () => {
    const onlyJkk = worker({}, { programs: ['JKK', 'JHT'] });
    const full = worker({}, { programs: ['JHT', 'JKM', 'JP', 'JKK'] });
    const r = run(input({ workers: [onlyJkk, full] }));
    expect(codesOf(r, onlyJkk)).toEqual(['PROGRAM_MISSING']);
    expect(codesOf(r, full)).toEqual([]);
  });

  it('accepts the Jakon registration of this project only', () => {
    const ours = worker({}, { segment: 'JAKON', projectNumber: REG });
    const theirs = worker({}, { segment: 'JAKON', projectNumber: '900100200399' });
    const unknown = worker({}, { segment: 'JAKON', projectNumber: null });
    const r = run(input({ workers: [ours, theirs, unknown] }));
    expect(codesOf(r, ours)).toEqual([]);
    expect(codesOf(r, theirs)).toEqual(['OTHER_PROJECT_COVERAGE']);
    expect(codesOf(r, unknown)).toEqual(['OTHER_PROJECT_COVERAGE']);
  });

  it('accepts PU with this contractor, or when either employer number is unknown', () => {
    const ours = worker({}, { segment: 'PU', projectNumber: null, employerNpp: NPP });
    const theirs = worker({}, { segment: 'PU', projectNumber: null, employerNpp: '87654321' });
    const unknown = worker({}, { segment: 'PU', projectNumber: null, employerNpp: null });
    const r = run(input({ workers: [ours, theirs, unknown] }));
    expect(codesOf(r, ours)).toEqual([]);
    expect(codesOf(r, theirs)).toEqual(['OTHER_EMPLOYER_COVERAGE']);
    expect(codesOf(r, unknown)).toEqual([]);

    const base = input({ workers: [theirs] });
    const contractorUnknown = run({ ...base, project: { ...base.project, contractorEmployerNpp: null } });
    expect(codesOf(contractorUnknown, theirs)).toEqual([]);
  });

  it('accepts the worker\'s own BPU membership', () => {
    const w = worker({}, { segment: 'BPU', projectNumber: null, employerNpp: '87654321' });
    expect(codesOf(oneWorker(w), w)).toEqual([]);
  });

  it('reports KPJ_MISMATCH only when both KPJs are known and differ', () => {
    const differs = worker({ kpj: '10000000002' }, { kpj: '10000000001' });
    const rosterUnknown = worker({ kpj: null }, { kpj: '10000000001' });
    const bpjsUnknown = worker({ kpj: '10000000002' }, { kpj: null });
    const r = run(input({ workers: [differs, rosterUnknown, bpjsUnknown] }));
    expect(codesOf(r, differs)).toEqual(['KPJ_MISMATCH']);
    expect(codesOf(r, rosterUnknown)).toEqual([]);
    expect(codesOf(r, bpjsUnknown)).toEqual([]);
  });

  it('collects every broken rule of a worker, in table order', () => {
    const w = worker({ kpj: '10000000009', startDate: '2025-07-01' }, {
      status: 'INACTIVE', programs: ['JKM'], coverageStart: '2025-09-01', coverageEnd: '2025-09-10',
      segment: 'JAKON', projectNumber: 'other', kpj: '10000000001',
    });
    expect(codesOf(oneWorker(w), w)).toEqual([
      'MEMBERSHIP_INACTIVE', 'PROGRAM_MISSING', 'COVERAGE_LAPSED', 'OTHER_PROJECT_COVERAGE', 'KPJ_MISMATCH', 'COVERAGE_STARTED_LATE',
    ]);
  });
});

describe('lookups', () => {
  it('NOT_FOUND is WORKER_NOT_FOUND and nothing else', () => {
    const w = worker({ lookup: 'NOT_FOUND', membership: null });
    const r = oneWorker(w);
    expect(codesOf(r, w)).toEqual(['WORKER_NOT_FOUND']);
    expect(r.summary).toEqual({ workersChecked: 1, compliant: 0, nonCompliant: 1, unverified: 0 });
  });

  it('UNVERIFIED is MEMBERSHIP_UNVERIFIED only, retryable, whatever the stale record says', () => {
    const w = worker({ lookup: 'UNVERIFIED' }, { status: 'INACTIVE', coverageEnd: '2025-09-16', segment: 'PU', employerNpp: 'x' });
    const r = oneWorker(w);
    expect(codesOf(r, w)).toEqual(['MEMBERSHIP_UNVERIFIED']);
    expect(r.reasons).toEqual([{
      code: 'MEMBERSHIP_UNVERIFIED', severity: 'block', retryable: true,
      workers: [{ assignmentId: w.assignmentId, nik: w.nik, name: w.name }],
    }]);
    expect(r.expiringSoon).toEqual([]);
    expect(r.summary).toEqual({ workersChecked: 1, compliant: 0, nonCompliant: 0, unverified: 1 });
    expect(r.workers[0]?.outcome).toBe('UNVERIFIED');
  });
});

describe('project registration', () => {
  it('is missing without a registration number; no Jakon membership can then fit', () => {
    const base = input();
    const r = run({ ...base, project: { ...base.project, bpjsRegistrationNumber: null } });
    expect(codes(r)).toEqual(['PROJECT_NOT_REGISTERED', 'OTHER_PROJECT_COVERAGE']);
    expect(r.premium.paid).toBe(1_750_000);
  });

  it('uses BPJS\'s status and paid figure from a live upstream', () => {
    const peserta = run(input({ registration: { source: 'upstream', state: 'FOUND', status: 'PESERTA', premiumPaid: 875_000 } }));
    expect(peserta.decision).toBe('APPROVED');
    expect(peserta.premium.paid).toBe(875_000);

    const mendaftar = run(input({ registration: { source: 'upstream', state: 'FOUND', status: 'MENDAFTAR', premiumPaid: 1_750_000 } }));
    expect(codes(mendaftar)).toEqual(['PROJECT_NOT_REGISTERED']);

    const unknown = run(input({ registration: { source: 'upstream', state: 'NOT_FOUND' } }));
    expect(codes(unknown)).toEqual(['PROJECT_NOT_REGISTERED', 'PREMIUM_SHORTFALL']);
    expect(unknown.premium).toMatchObject({ paid: 0, shortfall: 875_000 });
  });

  it('does not judge the premium while the registration is unverified', () => {
    const base = input({ registration: { source: 'upstream', state: 'UNVERIFIED' } });
    const r = run({ ...base, project: { ...base.project, bpjsPremiumPaid: 0 } });
    expect(r.reasons).toEqual([{ code: 'PROJECT_UNVERIFIED', severity: 'block', retryable: true }]);
    expect(r.premium).toEqual({
      base: '1000000000.00', required: { jkk: 1_540_000, jkm: 210_000, total: 1_750_000 }, requiredForPayment: 875_000, paid: null, shortfall: 0,
    });
  });
});

describe('premium', () => {
  // 1,000,000,000 incl. 11% VAT: an odd total, so half of it must round up.
  const odd = computePremium(1_000_000_000, '11');
  const halfUp = Math.ceil(odd.total / 2);
  const withPaid = (paid: number, request: Partial<PolicyInput['request']> = {}): PolicyResult => {
    const base = input();
    return run({
      ...base,
      project: { ...base.project, contractValue: 1_000_000_000, bpjsPremiumPaid: paid },
      request: { ...base.request, ...request },
    });
  };

  it('has an odd total in this example', () => {
    expect(odd.total % 2).toBe(1);
    expect(halfUp).toBe((odd.total + 1) / 2);
  });

  it('passes a non-final payment at exactly half, rounded up', () => {
    const r = withPaid(halfUp);
    expect(r.decision).toBe('APPROVED');
    expect(r.premium).toMatchObject({ requiredForPayment: halfUp, paid: halfUp, shortfall: 0 });
  });

  it('blocks a non-final payment one rupiah short of half', () => {
    const r = withPaid(halfUp - 1);
    expect(codes(r)).toEqual(['PREMIUM_SHORTFALL']);
    expect(r.premium.shortfall).toBe(1);
    expect(withPaid(Math.floor(odd.total / 2)).premium.shortfall).toBe(1); // exact half of an odd total is not enough
  });

  it('needs the whole premium for the last payment', () => {
    expect(codes(withPaid(halfUp, { final: true }))).toEqual(['PREMIUM_SHORTFALL']);
    expect(codes(withPaid(odd.total - 1, { final: true }))).toEqual(['PREMIUM_SHORTFALL']);
    const r = withPaid(odd.total, { final: true });
    expect(r.decision).toBe('APPROVED');
    expect(r.final).toBe(true);
    expect(r.premium.requiredForPayment).toBe(odd.total);
  });

  it('treats RETENSI and PELUNASAN as final even when not marked so', () => {
    for (const stage of ['RETENSI', 'PELUNASAN']) {
      const r = withPaid(halfUp, { stage, final: false });
      expect(r.final, stage).toBe(true);
      expect(codes(r), stage).toEqual(['PREMIUM_SHORTFALL']);
      expect(r.premium.shortfall, stage).toBe(odd.total - halfUp);
    }
    expect(withPaid(halfUp, { stage: 'TERMIN_3' }).final).toBe(false);
  });

  it('never reports a negative shortfall', () => {
    expect(withPaid(odd.total * 3).premium.shortfall).toBe(0);
  });
});

describe('stages', () => {
  const approvals = [{ stage: 'UANG_MUKA', valueDate: '2025-07-15' }, { stage: 'TERMIN_1', valueDate: '2025-08-15' }];

  it('blocks a stage that already has an approval', () => {
    const r = run(input({ approvals, request: { stage: 'TERMIN_1', valueDate: '2025-09-15', final: false } }));
    expect(r.reasons).toEqual([{ code: 'STAGE_ALREADY_APPROVED', severity: 'block', retryable: false }]);
  });

  it('passes another stage', () => {
    expect(run(input({ approvals, request: { stage: 'TERMIN_2', valueDate: '2025-09-15', final: false } })).decision).toBe('APPROVED');
  });

  it('skips the check in a dry run without a stage', () => {
    const r = run(input({ approvals, request: { stage: null, valueDate: '2025-09-15', final: false } }));
    expect(r.decision).toBe('APPROVED');
    expect(r.stage).toBeNull();
    expect(r.final).toBe(false);
  });
});

describe('reasons and summary', () => {
  it('orders reasons as the contract\'s table, lists workers by NIK, each once', () => {
    const a = worker({ nik: '3301010101900003', lookup: 'NOT_FOUND', membership: null });
    const b = worker({ nik: '1101010101900002' }, { programs: ['JKK'], coverageEnd: '2025-09-20' });
    const c = worker({ nik: '1101010101900001' }, { programs: ['JKK'], status: 'INACTIVE' });
    const d = worker({ nik: '5101010101900001', lookup: 'UNVERIFIED' });
    const e = worker({ nik: '1201010101900001' });
    const base = input({ workers: [a, b, c, d, e], approvals: [{ stage: 'TERMIN_1', valueDate: '2025-07-01' }] });
    const r = run({ ...base, project: { ...base.project, bpjsPremiumPaid: 0 } });

    expect(codes(r)).toEqual([
      'WORKER_NOT_FOUND', 'MEMBERSHIP_INACTIVE', 'PROGRAM_MISSING', 'MEMBERSHIP_UNVERIFIED',
      'STAGE_ALREADY_APPROVED', 'PREMIUM_SHORTFALL', 'COVERAGE_EXPIRING_SOON',
    ]);
    const niks = (code: ReasonCode): string[] | undefined => r.reasons.find((x) => x.code === code)?.workers?.map((w) => w.nik);
    expect(niks('PROGRAM_MISSING')).toEqual([c.nik, b.nik]);
    expect(niks('WORKER_NOT_FOUND')).toEqual([a.nik]);
    expect(niks('STAGE_ALREADY_APPROVED')).toBeUndefined();
    expect(r.workers.map((w) => w.nik)).toEqual([c.nik, b.nik, e.nik, a.nik, d.nik]);
    expect(r.summary).toEqual({ workersChecked: 5, compliant: 1, nonCompliant: 3, unverified: 1 });
    for (const reason of r.reasons) {
      const ids = reason.workers?.map((w) => w.assignmentId) ?? [];
      expect(new Set(ids).size).toBe(ids.length);
      expect(reason.severity).toBe(reason.code === 'COVERAGE_EXPIRING_SOON' || reason.code === 'COVERAGE_STARTED_LATE' ? 'warn' : 'block');
    }
  });

  it('counts each checked worker once in the summary', () => {
    const r = run(input({ workers: [worker({ lookup: 'UNVERIFIED' }), worker({ lookup: 'NOT_FOUND', membership: null }), worker()] }));
    expect(r.summary).toEqual({ workersChecked: 3, compliant: 1, nonCompliant: 1, unverified: 1 });
  });

  it('approves with warnings only', () => {
    const r = oneWorker(worker({}, { coverageEnd: '2025-09-20', coverageStart: '2025-09-01' }));
    expect(r.decision).toBe('APPROVED');
    expect(codes(r)).toEqual(['COVERAGE_EXPIRING_SOON', 'COVERAGE_STARTED_LATE']);
    expect(r.summary.compliant).toBe(1);
  });
});

describe('messages', () => {
  it('has an Indonesian and an English message for every code', () => {
    for (const code of REASON_CODES) {
      const id = reasonMessage(code, 'id', { count: 3, stage: 'TERMIN_1', paid: 100, requiredForPayment: 300, shortfall: 200 });
      const en = reasonMessage(code, 'en', { count: 3, stage: 'TERMIN_1', paid: 100, requiredForPayment: 300, shortfall: 200 });
      expect(id.length, code).toBeGreaterThan(10);
      expect(en.length, code).toBeGreaterThan(10);
      expect(id, code).not.toBe(en);
      expect(reasonMessage(code), code).toBe(reasonMessage(code, 'id'));
    }
    expect(reasonMessage('MEMBERSHIP_INACTIVE', 'id', { count: 3 })).toBe('3 pekerja tidak memiliki kepesertaan aktif.');
    expect(reasonMessage('MEMBERSHIP_INACTIVE', 'en', { count: 1 })).toBe('1 worker does not have an active membership.');
  });

  it('fills counts and amounts in from a result', () => {
    const base = input();
    const r = run({ ...base, project: { ...base.project, bpjsPremiumPaid: 500_000 } });
    const shortfall = r.reasons.find((x) => x.code === 'PREMIUM_SHORTFALL');
    if (shortfall === undefined) throw new Error('expected a shortfall');
    expect(explainReason(shortfall, r, 'id')).toContain('Rp875.000');
    expect(explainReason(shortfall, r, 'id')).toContain('Rp375.000');
    expect(explainReason(shortfall, r, 'en')).toContain('IDR 500,000');
  });
});
