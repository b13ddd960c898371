// Invariants of version 1 over random rosters, complementing the edge-by-edge tests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/policy/dates.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import type { PolicyInput, PolicyMembership, PolicyWorker } from '../../src/policy/types.ts';
import { input, NPP, REG } from './builders.ts';
import { validNik } from './arbitraries.ts';

const day = (offset: number): string => addDays('2025-09-15', offset); // offsets from the value date

const membershipArb = fc.record({
  kpj: fc.constantFrom(null, '10000000001', '10000000002'),
  status: fc.constantFrom('ACTIVE' as const, 'INACTIVE' as const),
  programs: fc.subarray(['JKK', 'JKM', 'JHT', 'JP']),
  coverageStart: fc.integer({ min: -120, max: 5 }).map(day),
  coverageEnd: fc.option(fc.integer({ min: -30, max: 40 }).map(day)),
  segment: fc.constantFrom('JAKON' as const, 'PU' as const, 'BPU' as const),
  projectNumber: fc.constantFrom(null, REG, '999'),
  employerNpp: fc.constantFrom(null, NPP, '999'),
});

const workerArb = fc.record({
  nik: validNik,
  kpj: fc.constantFrom(null, '10000000001'),
  start: fc.integer({ min: -120, max: 10 }),
  length: fc.option(fc.integer({ min: 0, max: 150 })),
  lookup: fc.constantFrom('FOUND' as const, 'FOUND' as const, 'NOT_FOUND' as const, 'UNVERIFIED' as const),
  m: membershipArb,
});

const inputArb = fc.tuple(fc.array(workerArb, { maxLength: 12 }), fc.boolean(), fc.integer({ min: 0, max: 2_000_000 }))
  .map(([ws, final, paid]): PolicyInput => {
    const base = input();
    const workers = ws.map((w, i): PolicyWorker => {
      const membership: PolicyMembership = { ...w.m, nik: w.nik, asOf: '2025-09-14T00:00:00Z' };
      return {
        assignmentId: `a-${String(i).padStart(3, '0')}`,
        nik: w.nik,
        name: `W${i}`,
        kpj: w.kpj,
        startDate: day(w.start),
        endDate: w.length === null ? null : day(w.start + w.length),
        lookup: w.lookup,
        membership: w.lookup === 'NOT_FOUND' ? null : membership,
      };
    });
    return { ...base, project: { ...base.project, bpjsPremiumPaid: paid }, request: { ...base.request, final }, workers };
  });

describe('evaluate version 1 invariants', () => {
  it('blocks exactly when a blocking reason exists, and counts each checked worker once', () => {
    fc.assert(fc.property(inputArb, (i) => {
      const r = evaluate(1, i);
      expect(r.decision === 'BLOCKED').toBe(r.reasons.some((x) => x.severity === 'block'));
      const s = r.summary;
      expect(s.compliant + s.nonCompliant + s.unverified).toBe(s.workersChecked);
      expect(r.workers).toHaveLength(s.workersChecked);
      expect(s.compliant).toBe(r.workers.filter((w) => w.outcome === 'COMPLIANT').length);
    }), { numRuns: 300 });
  });

  it('lists each worker at most once per reason, sorted by NIK, and only checked workers', () => {
    fc.assert(fc.property(inputArb, (i) => {
      const r = evaluate(1, i);
      const checked = new Set(r.workers.map((w) => w.assignmentId));
      for (const reason of r.reasons) {
        const ws = reason.workers ?? [];
        expect(new Set(ws.map((w) => w.assignmentId)).size).toBe(ws.length);
        expect(ws.every((w) => checked.has(w.assignmentId))).toBe(true);
        expect(ws.map((w) => w.nik)).toEqual([...ws.map((w) => w.nik)].sort());
      }
    }), { numRuns: 300 });
  });

  it('does not depend on the order of the roster', () => {
    fc.assert(fc.property(inputArb, fc.integer(), (i, seed) => {
      const shuffled = [...i.workers].sort((a, b) => ((a.nik.charCodeAt(seed & 15) ^ seed) - (b.nik.charCodeAt(seed & 15) ^ seed)));
      expect(evaluate(1, { ...i, workers: shuffled })).toEqual(evaluate(1, i));
    }), { numRuns: 200 });
  });
});
