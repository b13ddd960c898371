// Properties of policy version 2 over random rosters and roster histories (issue 9, item 6).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkedSet } from '../../src/policy/checked.ts';
import { addDays, toDayNumber } from '../../src/policy/dates.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import { approvalsFor } from '../../src/policy/period.ts';
import { computePremium, requiredPremium } from '../../src/policy/premium.ts';
import { applyDateChange, recordedEnd, recordedStart, removeAssignment } from '../../src/policy/recorded-span.ts';
import type { ReasonCode } from '../../src/policy/types.ts';
import { v1InputOf } from '../../src/policy/v1-input.ts';
import { evaluateV2 } from '../../src/policy/v2/evaluate.ts';
import type { AssignmentV2, CoverageV2, PersonV2, PolicyInputV2 } from '../../src/policy/v2/types.ts';
import { coverage, inputV2, NPP, REG } from './builders-v2.ts';

const ORIGIN = '2025-07-01';
const at = (offset: number): string => addDays(ORIGIN, offset);
const NIKS = ['1671010101900001', '1671010101900002', '1671010101900003', '1671010101900004'];

// ---- (a) no sequence of roster edits without a correction shrinks the persons a request checks ----

type Edit =
  | { kind: 'dates'; target: number; start: number; length: number | null }
  | { kind: 'remove'; target: number }
  | { kind: 'add'; nik: number; start: number; length: number | null };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('dates' as const), target: fc.nat(20), start: fc.integer({ min: 0, max: 120 }), length: fc.option(fc.nat(60)) }),
  fc.record({ kind: fc.constant('remove' as const), target: fc.nat(20) }),
  fc.record({ kind: fc.constant('add' as const), nik: fc.nat(NIKS.length - 1), start: fc.integer({ min: 0, max: 120 }), length: fc.option(fc.nat(60)) }),
);

interface Row extends AssignmentV2 {
  removed: boolean;
}

/** What one state of the roster showed as worked, while it was in force (up to the day it was replaced). */
function shownPersons(rows: readonly Row[], until: number | null, from: number, to: number): Set<string> {
  const niks = new Set<string>();
  for (const r of rows) {
    if (r.cancelled) continue;
    const end = recordedEnd(r);
    let last = end === null ? Infinity : toDayNumber(end);
    if (until !== null) last = Math.min(last, until);
    if (toDayNumber(recordedStart(r)) <= Math.min(to, last) && last >= from) niks.add(r.nik);
  }
  return niks;
}

describe('policy v2 properties', () => {
  it('(a) no sequence of roster edits without a correction shrinks the set of persons a request checks', () => {
    const scenario = fc.record({
      initial: fc.array(fc.record({ nik: fc.nat(NIKS.length - 1), start: fc.integer({ min: 0, max: 90 }), length: fc.option(fc.nat(60)) }), { minLength: 1, maxLength: 4 }),
      edits: fc.array(fc.record({ gap: fc.nat(12), edit: editArb }), { maxLength: 10 }),
      from: fc.integer({ min: 0, max: 150 }),
      after: fc.nat(20),
    });
    fc.assert(fc.property(scenario, ({ initial, edits, from, after }) => {
      let serial = 0;
      const row = (nik: number, start: number, length: number | null): Row => ({
        assignmentId: `a-${String(serial++).padStart(3, '0')}`, nik: NIKS[nik] as string, name: 'W', kpj: null,
        startDate: at(start), endDate: length === null ? null : at(start + length),
        reportedStartDate: null, reportedEndDate: null, cancelled: false, removed: false,
      });
      let rows: Row[] = [];
      for (const i of initial) if (!rows.some((r) => r.nik === NIKS[i.nik])) rows.push(row(i.nik, i.start, i.length));
      let today = 0;
      const states: Array<{ rows: Row[]; until: number }> = [];
      for (const { gap, edit } of edits) {
        today += gap;
        const day = toDayNumber(at(today));
        states.push({ rows: rows.map((r) => ({ ...r })), until: day });
        const active = rows.filter((r) => !r.removed);
        if (edit.kind === 'add') {
          if (!active.some((r) => r.nik === NIKS[edit.nik])) rows.push(row(edit.nik, edit.start, edit.length));
          continue;
        }
        const target = active[edit.target % Math.max(1, active.length)];
        if (target === undefined) continue;
        const next: Row = { ...target };
        if (edit.kind === 'dates') {
          const startDate = at(edit.start);
          const endDate = edit.length === null ? null : at(edit.start + edit.length);
          Object.assign(next, applyDateChange(target, { startDate, endDate }, at(today)));
        } else {
          const removal = removeAssignment(target, at(today));
          if (removal.kind === 'cancel') next.cancelled = true;
          else Object.assign(next, removal.dates);
          next.removed = true;
        }
        rows = rows.map((r) => (r.assignmentId === target.assignmentId ? next : r));
      }
      // A request valued on or after the last change, for a period starting anywhere before it.
      const valueDate = at(today + after);
      const periodFrom = at(Math.min(from, today + after));
      const checked = new Set(checkedSet(2, periodFrom, [], valueDate, rows).niks);
      const f = toDayNumber(periodFrom);
      const t = toDayNumber(valueDate);
      for (const state of [...states, { rows, until: null }]) {
        for (const nik of shownPersons(state.rows, state.until, f, t)) expect(checked.has(nik), nik).toBe(true);
      }
    }), { seed: 2026, numRuns: 1000 });
  });

  it('(a) holds only because of the recorded span: the current dates alone (version 1) can be edited to shrink it', () => {
    const a: AssignmentV2 = {
      assignmentId: 'a-1', nik: NIKS[0] as string, name: 'W', kpj: null, startDate: at(0), endDate: null,
      reportedStartDate: null, reportedEndDate: null, cancelled: false,
    };
    const edited = { ...a, ...applyDateChange(a, { startDate: at(0), endDate: at(20) }, at(40)) };
    expect(checkedSet(1, at(30), [], at(40), [edited]).niks).toEqual([]);
    expect(checkedSet(2, at(30), [], at(40), [edited]).niks).toEqual([NIKS[0]]);
  });

  // ---- (b) v2 never approves what v1 blocks on unchanged data, except through changes 3, 6, 7 ----

  const coverageArb = fc.record({
    kpj: fc.constantFrom(null, '10000000001', '10000000002'),
    status: fc.constantFrom('ACTIVE' as const, 'INACTIVE' as const),
    programs: fc.subarray(['JKK', 'JKM', 'JHT']),
    coverageStart: fc.integer({ min: -120, max: 5 }).map((o) => addDays('2025-09-15', o)),
    coverageEnd: fc.option(fc.integer({ min: -30, max: 40 }).map((o) => addDays('2025-09-15', o))),
    segment: fc.constantFrom('JAKON' as const, 'PU' as const, 'BPU' as const),
    projectNumber: fc.constantFrom(null, REG, '999'),
    employerNpp: fc.constantFrom(null, NPP, '999'),
    fresh: fc.boolean(),
    changedAt: fc.constantFrom('2025-09-01T00:00:00.000Z', '2025-09-10T00:00:00.000Z'),
  });
  const personArb = fc.record({
    start: fc.integer({ min: -120, max: 10 }),
    length: fc.option(fc.integer({ min: 0, max: 150 })),
    kpj: fc.constantFrom(null, '10000000001'),
    lookup: fc.constantFrom('FOUND' as const, 'FOUND' as const, 'FOUND' as const, 'NOT_FOUND' as const, 'UNVERIFIED' as const),
    coverages: fc.array(coverageArb, { minLength: 1, maxLength: 3 }),
  });
  const unchangedArb = fc.record({
    persons: fc.array(personArb, { maxLength: 6 }),
    stage: fc.constantFrom('UANG_MUKA', 'TERMIN_1', 'PELUNASAN'),
    final: fc.boolean(),
    registration: fc.oneof(
      fc.record({
        state: fc.constant('FOUND' as const), status: fc.constantFrom('MENDAFTAR' as const, 'PESERTA' as const),
        premiumRequired: fc.option(fc.integer({ min: 0, max: 3_000_000 })), premiumPaid: fc.integer({ min: 0, max: 3_000_000 }),
      }),
      fc.constant({ state: 'NOT_FOUND' as const }),
      fc.constant({ state: 'UNVERIFIED' as const }),
    ),
    registrationNumber: fc.constantFrom(REG, null),
    contractorEmployerNpp: fc.constantFrom(NPP, null),
    recordedPaid: fc.integer({ min: 0, max: 3_000_000 }),
    provider: fc.constantFrom('snapshot' as const, 'upstream' as const),
  }).map((g) => {
    const base = inputV2([]);
    const assignments: AssignmentV2[] = [];
    const persons: PersonV2[] = [];
    g.persons.forEach((p, i) => {
      const nik = `16710101019${String(i).padStart(5, '0')}`;
      assignments.push({
        assignmentId: `a-${i}`, nik, name: `W${i}`, kpj: p.kpj, startDate: addDays('2025-09-15', p.start),
        endDate: p.length === null ? null : addDays('2025-09-15', p.start + p.length),
        reportedStartDate: null, reportedEndDate: null, cancelled: false,
      });
      persons.push({ nik, lookup: p.lookup, coverages: p.lookup === 'FOUND' ? p.coverages.map((c): CoverageV2 => coverage({ ...c, nik })) : [] });
    });
    const input: PolicyInputV2 = {
      ...base,
      project: { ...base.project, bpjsRegistrationNumber: g.registrationNumber, contractorEmployerNpp: g.contractorEmployerNpp, bpjsPremiumPaid: g.recordedPaid },
      registration: g.registration,
      request: { stage: g.stage, valueDate: '2025-09-15', final: g.final, amount: 1 },
      assignments,
      persons,
    };
    return { input, provider: g.provider };
  });

  it('(b) v2 never approves what v1 blocks for the same unchanged data, except through changes 3, 6 and 7', () => {
    fc.assert(fc.property(unchangedArb, ({ input, provider }) => {
      const v1 = evaluate(1, v1InputOf(input, provider));
      const v2 = evaluateV2(input);
      if (!(v2.decision === 'APPROVED' && v1.decision === 'BLOCKED')) return;
      const multi = new Set(input.persons.filter((p) => p.coverages.length > 1).map((p) => p.nik));
      for (const reason of v1.reasons.filter((r) => r.severity === 'block')) {
        const code: ReasonCode = reason.code;
        if (code === 'EMPTY_ROSTER') expect(input.request.stage, 'change 6').toBe('UANG_MUKA');
        else if (code === 'PREMIUM_SHORTFALL') continue; // change 7: BPJS's figures
        else {
          // Change 3: only a person with several coverages can be covered by another than v1's one.
          expect(reason.workers, code).toBeDefined();
          for (const w of reason.workers ?? []) expect(multi.has(w.nik), `${code} ${w.nik}`).toBe(true);
        }
      }
    }), { seed: 9, numRuns: 1500 });
  });

  it('the approvals a request reads (approvalsFor) decide exactly as all of them do, under both versions', () => {
    const stageArb = fc.constantFrom('UANG_MUKA', 'TERMIN_1', 'TERMIN_2', 'TERMIN_3', 'PELUNASAN', 'RETENSI');
    const approvalArb = fc.record({ stage: stageArb, valueDate: fc.integer({ min: -90, max: 30 }).map((o) => addDays('2025-09-15', o)) });
    let shorter = 0;
    fc.assert(fc.property(unchangedArb, fc.array(approvalArb, { maxLength: 12 }), fc.option(stageArb), fc.integer({ min: -40, max: 20 }),
      ({ input, provider }, approvals, stage, valueOffset) => {
        const valueDate = addDays('2025-09-15', valueOffset);
        const all: PolicyInputV2 = { ...input, approvals, request: { ...input.request, stage, valueDate } };
        const read = approvalsFor(approvals, stage, valueDate);
        if (read.length < approvals.length) shorter++;
        expect(evaluateV2({ ...all, approvals: read })).toEqual(evaluateV2(all));
        expect(evaluate(1, v1InputOf({ ...all, approvals: read }, provider))).toEqual(evaluate(1, v1InputOf(all, provider)));
      }), { seed: 13, numRuns: 800 });
    expect(shorter).toBeGreaterThan(100); // not vacuous: most lists lose approvals
  });

  it('a remembered persons phase never changes a result: the same memo across stages, amounts and approvals', () => {
    const stages = ['UANG_MUKA', 'TERMIN_1', 'TERMIN_2', 'PELUNASAN', null] as const;
    fc.assert(fc.property(unchangedArb, fc.array(fc.tuple(fc.constantFrom(...stages), fc.nat(2_000_000_000), fc.boolean()), { minLength: 1, maxLength: 5 }),
      ({ input }, requests) => {
        const phases = new Map<string, unknown>();
        const memo = { get: (k: string) => phases.get(k) as never, set: (k: string, v: unknown) => { phases.set(k, v); } };
        for (const [stage, amount, approveFirst] of [[input.request.stage, input.request.amount ?? 0, false] as const, ...requests]) {
          const approvals = approveFirst && input.approvals.length === 0 ? [{ stage: 'TERMIN_9', valueDate: input.request.valueDate }] : input.approvals;
          const asked: PolicyInputV2 = { ...input, approvals, request: { ...input.request, stage, amount } };
          expect(evaluateV2(asked, memo)).toEqual(evaluateV2(asked));
        }
      }), { seed: 11, numRuns: 600 });
  });

  it('(b) is not vacuous: v2 does approve some inputs v1 blocks, and v1 and v2 agree on most', () => {
    let differs = 0;
    let agree = 0;
    fc.assert(fc.property(unchangedArb, ({ input, provider }) => {
      const v1 = evaluate(1, v1InputOf(input, provider));
      const v2 = evaluateV2(input);
      if (v2.decision === 'APPROVED' && v1.decision === 'BLOCKED') differs++;
      if (v2.decision === v1.decision) agree++;
    }), { seed: 9, numRuns: 1500 });
    expect(differs).toBeGreaterThan(0);
    expect(agree).toBeGreaterThan(750);
  });

  // ---- change 7: the premium figures ----

  it('change 7: the required figure is BPJS\'s when known, the paid one always the registration\'s', () => {
    const arb = fc.record({
      contractValue: fc.integer({ min: 0, max: 50_000_000_000 }),
      premiumRequired: fc.option(fc.integer({ min: 0, max: 100_000_000 })),
      premiumPaid: fc.integer({ min: 0, max: 100_000_000 }),
      recordedPaid: fc.integer({ min: 0, max: 100_000_000 }),
      status: fc.constantFrom('MENDAFTAR' as const, 'PESERTA' as const),
      final: fc.boolean(),
    });
    fc.assert(fc.property(arb, (g) => {
      const base = inputV2();
      const make = (recordedPaid: number) => inputV2(undefined, {
        project: { ...base.project, contractValue: g.contractValue, bpjsPremiumPaid: recordedPaid },
        registration: { state: 'FOUND', status: g.status, premiumRequired: g.premiumRequired, premiumPaid: g.premiumPaid },
        request: { stage: 'TERMIN_1', valueDate: '2025-09-15', final: g.final, amount: 0 },
      });
      const r = evaluateV2(make(g.recordedPaid));
      const computed = computePremium(g.contractValue, '11');
      const total = g.premiumRequired ?? computed.total;
      const judged = g.status === 'PESERTA';
      const forPayment = requiredPremium(total, g.final);
      expect(r.premium.computed).toEqual({ jkk: computed.jkk, jkm: computed.jkm, total: computed.total });
      expect(r.premium.required).toEqual(g.premiumRequired === null
        ? { jkk: computed.jkk, jkm: computed.jkm, total: computed.total, source: 'COMPUTED' }
        : { total: g.premiumRequired, source: 'BPJS' });
      expect(r.premium.requiredForPayment).toBe(forPayment);
      expect(r.premium.shortfall).toBe(judged ? Math.max(0, forPayment - g.premiumPaid) : 0);
      const codes = r.reasons.map((x) => x.code);
      expect(codes.includes('PREMIUM_SHORTFALL')).toBe(judged && g.premiumPaid < forPayment);
      expect(codes.includes('PREMIUM_FIGURE_MISMATCH'))
        .toBe(judged && g.premiumRequired !== null && Math.abs(g.premiumRequired - computed.total) > 1);
      // The figure typed into the project is shown, never judged.
      const other = evaluateV2(make(g.recordedPaid === 0 ? 100_000_000 : 0));
      expect(other.reasons).toEqual(r.reasons);
      expect(other.premium.paidRecorded).not.toBe(r.premium.paidRecorded);
    }), { seed: 7, numRuns: 500 });
  });

  it('v2 counts persons: summary adds up, and each reason lists a person once', () => {
    fc.assert(fc.property(unchangedArb, ({ input }) => {
      const doubled = { ...input, assignments: [...input.assignments, ...input.assignments.map((a) => ({ ...a, assignmentId: `${a.assignmentId}-again` }))] };
      const r = evaluateV2(doubled);
      const s = r.summary;
      expect(s.compliant + s.nonCompliant + s.unverified).toBe(s.workersChecked);
      expect(s.workersChecked).toBe(new Set(r.workers.map((w) => w.nik)).size);
      for (const reason of r.reasons) {
        const niks = (reason.workers ?? []).map((w) => w.nik);
        expect(new Set(niks).size).toBe(niks.length);
      }
      expect(r.decision === 'BLOCKED').toBe(r.reasons.some((x) => x.severity === 'block'));
    }), { seed: 11, numRuns: 300 });
  });
});
