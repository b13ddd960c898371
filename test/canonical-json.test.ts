// canonicalJson's fast path (a sorted copy printed by JSON.stringify) must print exactly what the
// `canonicalize` package prints: every hash in Gerbang (audit events, decision evidence,
// idempotent request bodies) is taken over that text, and stored hashes must verify.
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/canonical-json.ts';

/** The package's text, or the fact that it throws (then canonicalJson must throw as well). */
const reference = (value: unknown): string => {
  try {
    const text = canonicalize(value);
    return text === undefined ? 'throws' : text;
  } catch {
    return 'throws';
  }
};
const ours = (value: unknown): string => {
  try {
    return canonicalJson(value);
  } catch {
    return 'throws';
  }
};

describe('canonicalJson', () => {
  it('prints what the canonicalize package prints, for any value', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withSparseArray: true,
          withObjectString: true, withTypedArray: true, withBigInt: true, maxDepth: 4,
        }),
        (value) => {
          expect(ours(value)).toBe(reference(value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('prints a decision-like document as the package does, toJSON, undefined and odd keys included', () => {
    const at = new Date('2026-12-07T01:02:03.004Z');
    const documents: unknown[] = [
      { request: { stage: 'TERMIN_1', amount: 1_000_000, valueDate: '2026-12-08', final: false }, holidays: ['2026-01-01', '2026-12-25'],
        approvedTotal: 0, providerFailure: undefined, project: { code: 'DPUPR-1', contractValue: 1.11e9, vatPercent: '11.00' } },
      { at, nested: [{ at }, undefined, null, -0, 1e21, 0.1 + 0.2, 'é\u2028"\\\ud800'] },
      { '10': 'a', '9': 'b', b: 1, a: 2 },
      JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown,
      { toJSON: () => ({ z: 1, a: 2 }) },
      [undefined, () => 1, Symbol('s')],
      Object.assign(Object.create(null) as object, { b: 1, a: [2, { d: 3, c: 4 }] }),
    ];
    for (const document of documents) expect(ours(document)).toBe(reference(document));
    expect(canonicalJson({ b: [2, 1], a: { d: undefined, c: 'x' } })).toBe('{"a":{"c":"x"},"b":[2,1]}');
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});
