// The policy registry. Every decision stores the version it was made under, and replay must run
// that version's code, so versions are only ever added here, never changed or removed.
import { paymentPeriod } from './period.ts';
import { POLICY_ID } from './types.ts';
import type { PolicyInput, PolicyResult } from './types.ts';
import { evaluateV1 } from './v1/evaluate.ts';
import { evaluateV2 } from './v2/evaluate.ts';
import type { PolicyInputV2 } from './v2/types.ts';

export { POLICY_ID };
/** The version the decision path uses until POLICY_VERSION chooses one per deployment. */
export const CURRENT_POLICY_VERSION = 1;
export const LATEST_POLICY_VERSION = 2;

/** Each version's input: version 1 judges assignments with one membership each, version 2 persons. */
export type VersionedInput = { version: 1; input: PolicyInput } | { version: 2; input: PolicyInputV2 };

export const POLICY_VERSIONS: readonly number[] = [1, 2];

export class UnknownPolicyVersionError extends Error {
  readonly version: number;

  constructor(version: number) {
    super(`unknown version ${version} of policy ${POLICY_ID}`);
    this.name = 'UnknownPolicyVersionError';
    this.version = version;
  }
}

export function evaluate(version: 1, input: PolicyInput): PolicyResult;
export function evaluate(version: 2, input: PolicyInputV2): PolicyResult;
export function evaluate(version: number, input: PolicyInput | PolicyInputV2): PolicyResult;
export function evaluate(version: number, input: PolicyInput | PolicyInputV2): PolicyResult {
  // The shapes differ in their roster field, so a version given the other's input fails loudly.
  if (version === 1) {
    if (!('workers' in input)) throw new TypeError('policy version 1 takes workers, not assignments');
    return evaluateV1(input);
  }
  if (version === 2) {
    if (!('assignments' in input)) throw new TypeError('policy version 2 takes assignments and persons');
    return evaluateV2(input);
  }
  throw new UnknownPolicyVersionError(version);
}

export function evaluateVersioned(v: VersionedInput): PolicyResult {
  return v.version === 1 ? evaluateV1(v.input) : evaluateV2(v.input);
}

// The period (the same under both versions); the caller uses it to load only what overlaps it.
export { paymentPeriod };
