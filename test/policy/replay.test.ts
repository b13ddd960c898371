// Version 1 frozen: a stored decision must replay to the same result forever. The fixture's
// expected result was computed by hand from the contract, not captured from the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, POLICY_ID } from '../../src/policy/evaluate.ts';
import type { PolicyInput, PolicyResult } from '../../src/policy/types.ts';

interface Fixture {
  policy: { id: string; version: number };
  input: PolicyInput;
  expected: Omit<PolicyResult, 'reasons' | 'expiringSoon' | 'policy' | 'stage' | 'valueDate' | 'workers'> & {
    reasons: Array<{ code: string; severity: string; retryable: boolean; assignmentIds?: string[] }>;
    workers: Array<{ assignmentId: string; outcome: string; codes: string[]; lastDay: string }>;
    expiringSoon: Array<{ assignmentId: string; coverageEnd: string }>;
  };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/v1-termin-2.json', import.meta.url), 'utf8')) as Fixture;

describe(`replay of ${POLICY_ID} version 1`, () => {
  const result = evaluate(fixture.policy.version, fixture.input);
  const { expected } = fixture;

  it('reaches the same decision for the same reasons', () => {
    expect(fixture.policy).toEqual({ id: POLICY_ID, version: 1 });
    expect(result.decision).toBe(expected.decision);
    expect(result.final).toBe(expected.final);
    expect(result.period).toEqual(expected.period);
    expect(result.reasons.map((r) => ({
      code: r.code, severity: r.severity, retryable: r.retryable,
      ...(r.workers === undefined ? {} : { assignmentIds: r.workers.map((w) => w.assignmentId) }),
    }))).toEqual(expected.reasons);
  });

  it('judges every checked worker the same way', () => {
    expect(result.summary).toEqual(expected.summary);
    expect(result.workers.map(({ assignmentId, outcome, codes, lastDay }) => ({ assignmentId, outcome, codes, lastDay })))
      .toEqual(expected.workers);
    expect(result.expiringSoon.map(({ assignmentId, coverageEnd }) => ({ assignmentId, coverageEnd }))).toEqual(expected.expiringSoon);
  });

  it('computes the same premium', () => {
    expect(result.premium).toEqual(expected.premium);
  });

  it('gives the same result after a JSON round trip of its input, as stored evidence is', () => {
    const again = evaluate(1, JSON.parse(JSON.stringify(fixture.input)) as PolicyInput);
    expect(again).toEqual(result);
  });
});
