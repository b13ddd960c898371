// The policy registry. Every decision stores the version it was made under, and replay must run
// that version's code, so versions are only ever added here, never changed or removed.
import { paymentPeriod } from './period.ts';
import { POLICY_ID } from './types.ts';
import type { PolicyInput, PolicyResult } from './types.ts';
import { evaluateV1 } from './v1/evaluate.ts';

export { POLICY_ID };
export const CURRENT_POLICY_VERSION = 1;

const VERSIONS: ReadonlyMap<number, (input: PolicyInput) => PolicyResult> = new Map([[1, evaluateV1]]);

export const POLICY_VERSIONS: readonly number[] = [...VERSIONS.keys()];

export class UnknownPolicyVersionError extends Error {
  readonly version: number;

  constructor(version: number) {
    super(`unknown version ${version} of policy ${POLICY_ID}`);
    this.name = 'UnknownPolicyVersionError';
    this.version = version;
  }
}

export function evaluate(version: number, input: PolicyInput): PolicyResult {
  const run = VERSIONS.get(version);
  if (run === undefined) throw new UnknownPolicyVersionError(version);
  return run(input);
}

// Version 1's period; the caller uses it to load only the assignments that overlap it.
export { paymentPeriod };
