import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computePremium, MAX_MONEY, parseVatHundredths, requiredPremium } from '../../src/policy/premium.ts';

// --- An independent reference: exact fractions, band by band, in rupiah ---------------------
interface Frac { n: bigint; d: bigint }
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? (a < 0n ? -a : a) : gcd(b, a % b));
const frac = (n: bigint, d: bigint = 1n): Frac => { const g = gcd(n, d); return { n: n / g, d: d / g }; };
const add = (a: Frac, b: Frac): Frac => frac(a.n * b.d + b.n * a.d, a.d * b.d);
const sub = (a: Frac, b: Frac): Frac => frac(a.n * b.d - b.n * a.d, a.d * b.d);
const mul = (a: Frac, b: Frac): Frac => frac(a.n * b.n, a.d * b.d);
const div = (a: Frac, b: Frac): Frac => frac(a.n * b.d, a.d * b.n);
const lt = (a: Frac, b: Frac): boolean => a.n * b.d < b.n * a.d;
const min = (a: Frac, b: Frac): Frac => (lt(a, b) ? a : b);
const floor = (a: Frac): bigint => a.n / a.d; // non-negative only
const roundHalfUp = (a: Frac): bigint => floor(add(a, frac(1n, 2n)));
const decimal = (s: string): Frac => { const [i = '0', f = ''] = s.split('.'); return frac(BigInt(i + f), 10n ** BigInt(f.length)); };

function referencePremium(contractValue: number, vat: string) {
  const exactBase = div(mul(frac(BigInt(contractValue)), frac(100n)), add(frac(100n), decimal(vat)));
  const base = frac(roundHalfUp(mul(exactBase, frac(100n))), 100n); // to the cent
  const M = 1_000_000n;
  const bands: Array<[bigint, bigint | null, string, string]> = [
    [0n, 100n * M, '0.0021', '0.0003'],
    [100n * M, 500n * M, '0.0017', '0.0002'],
    [500n * M, 1000n * M, '0.0013', '0.0002'],
    [1000n * M, 5000n * M, '0.0011', '0.0001'],
    [5000n * M, null, '0.0009', '0.0001'],
  ];
  let jkk = frac(0n);
  let jkm = frac(0n);
  for (const [lo, hi, kRate, mRate] of bands) {
    if (!lt(frac(lo), base)) continue;
    const part = sub(hi === null ? base : min(base, frac(hi)), frac(lo));
    jkk = add(jkk, mul(part, decimal(kRate)));
    jkm = add(jkm, mul(part, decimal(mRate)));
  }
  const cents = floor(mul(base, frac(100n)));
  return {
    base: `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`,
    jkk: Number(roundHalfUp(jkk)),
    jkm: Number(roundHalfUp(jkm)),
  };
}

// --- Generators ----------------------------------------------------------------------------
const EDGES = [100_000_000, 500_000_000, 1_000_000_000, 5_000_000_000];
const vatString = fc.integer({ min: 0, max: 10_000 }).map((h) => {
  const i = Math.floor(h / 100);
  const f = h % 100;
  return f === 0 ? String(i) : f % 10 === 0 ? `${i}.${f / 10}` : `${i}.${String(f).padStart(2, '0')}`;
});
const commonVat = fc.constantFrom('0', '11', '12', '11.5', '10', '2.5', '12.25');
const contractValue = fc.oneof(
  fc.integer({ min: 0, max: 10_000 }),
  fc.integer({ min: 0, max: 20_000_000_000 }),
  fc.integer({ min: 0, max: MAX_MONEY }),
  fc.constantFrom(...EDGES).chain((e) => fc.integer({ min: Math.floor(e * 0.9), max: Math.ceil(e * 1.13) })),
);

describe('computePremium', () => {
  it('matches the hand-computed examples', () => {
    // 1.11 billion incl. 11% VAT -> base 1 billion; JKK 210,000 + 680,000 + 650,000; JKM 30,000 + 80,000 + 100,000
    expect(computePremium(1_110_000_000, '11')).toEqual({ base: '1000000000.00', jkk: 1_540_000, jkm: 210_000, total: 1_750_000 });
    expect(computePremium(100_000_000, 11)).toEqual({ base: '90090090.09', jkk: 189_189, jkm: 27_027, total: 216_216 });
    expect(computePremium(5_000_000_000, '0')).toEqual({ base: '5000000000.00', jkk: 5_940_000, jkm: 610_000, total: 6_550_000 });
    expect(computePremium(10_000_000_000, '0')).toEqual({ base: '10000000000.00', jkk: 10_440_000, jkm: 1_110_000, total: 11_550_000 });
    expect(computePremium(0, '11')).toEqual({ base: '0.00', jkk: 0, jkm: 0, total: 0 });
  });

  it('rounds half up: the base to the cent, JKK and JKM each to the rupiah', () => {
    expect(computePremium(1, '60').base).toBe('0.63'); // 1 / 1.6 = 0.625
    expect(computePremium(5_000, '0')).toEqual({ base: '5000.00', jkk: 11, jkm: 2, total: 13 }); // 10.5 and 1.5
    expect(computePremium(4_999, '0')).toMatchObject({ jkk: 10, jkm: 1 }); // 10.4979 and 1.4997
  });

  it('equals the fraction-by-fraction reference for any value and VAT', () => {
    fc.assert(fc.property(contractValue, vatString, (v, vat) => {
      const p = computePremium(v, vat);
      expect({ base: p.base, jkk: p.jkk, jkm: p.jkm }).toEqual(referencePremium(v, vat));
      expect(p.total).toBe(p.jkk + p.jkm);
    }), { numRuns: 500 });
  });

  it('is monotone non-decreasing in the contract value', () => {
    fc.assert(fc.property(contractValue, contractValue, commonVat, (a, b, vat) => {
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      const pl = computePremium(lo, vat);
      const ph = computePremium(hi, vat);
      expect(pl.jkk).toBeLessThanOrEqual(ph.jkk);
      expect(pl.jkm).toBeLessThanOrEqual(ph.jkm);
    }), { numRuns: 500 });
  });

  it('moves by at most 1 rupiah per rupiah of contract value, so it never jumps at a band edge', () => {
    fc.assert(fc.property(contractValue.filter((v) => v > 0), commonVat, (v, vat) => {
      const a = computePremium(v - 1, vat);
      const b = computePremium(v, vat);
      expect(b.jkk - a.jkk).toBeLessThanOrEqual(1);
      expect(b.jkm - a.jkm).toBeLessThanOrEqual(1);
    }), { numRuns: 500 });
  });

  it('is marginal: across each edge only the part above it gets the lower rate', () => {
    const rates: Array<[number, number, number, number, number]> = [
      // edge, JKK below, JKK above, JKM below, JKM above (in 1/10000)
      [100_000_000, 21, 17, 3, 2],
      [500_000_000, 17, 13, 2, 2],
      [1_000_000_000, 13, 11, 2, 1],
      [5_000_000_000, 11, 9, 1, 1],
    ];
    for (const [edge, kBelow, kAbove, mBelow, mAbove] of rates) {
      fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (d) => {
        const at = computePremium(edge, '0');
        const above = computePremium(edge + d, '0');
        const below = computePremium(edge - d, '0');
        expect(Math.abs(above.jkk - at.jkk - (d * kAbove) / 10_000)).toBeLessThanOrEqual(1);
        expect(Math.abs(at.jkk - below.jkk - (d * kBelow) / 10_000)).toBeLessThanOrEqual(1);
        expect(Math.abs(above.jkm - at.jkm - (d * mAbove) / 10_000)).toBeLessThanOrEqual(1);
        expect(Math.abs(at.jkm - below.jkm - (d * mBelow) / 10_000)).toBeLessThanOrEqual(1);
      }));
    }
  });

  it('reads VAT exactly from strings and numbers with up to 2 decimals', () => {
    expect(parseVatHundredths('11')).toBe(1100n);
    expect(parseVatHundredths('11.5')).toBe(1150n);
    expect(parseVatHundredths('11.50')).toBe(1150n);
    expect(parseVatHundredths(11.5)).toBe(1150n);
    expect(parseVatHundredths('12.25')).toBe(1225n);
    expect(parseVatHundredths(0)).toBe(0n);
    expect(parseVatHundredths('100')).toBe(10_000n);
    expect(computePremium(1_115_000_000, '11.5')).toEqual(computePremium(1_115_000_000, 11.5));
    for (const bad of ['100.01', '-1', '11.123', '', 'abc', '1e1', ' 11', '11.', '.5']) {
      expect(() => parseVatHundredths(bad), bad).toThrow(RangeError);
    }
    for (const bad of [0.1 + 0.2, Number.NaN, Infinity, -0.5, 101]) {
      expect(() => parseVatHundredths(bad), String(bad)).toThrow(RangeError);
    }
  });

  it('refuses contract values that are not whole rupiah in 0..10^15', () => {
    for (const bad of [-1, 0.5, MAX_MONEY + 1, Number.NaN]) {
      expect(() => computePremium(bad, '11'), String(bad)).toThrow(RangeError);
    }
    expect(() => computePremium(MAX_MONEY, '0')).not.toThrow();
  });
});

describe('requiredPremium', () => {
  it('asks all of it for the last payment and half, rounded up, before', () => {
    expect(requiredPremium(1_750_000, true)).toBe(1_750_000);
    expect(requiredPremium(1_750_000, false)).toBe(875_000);
    expect(requiredPremium(13, false)).toBe(7);
    expect(requiredPremium(1, false)).toBe(1);
    expect(requiredPremium(0, false)).toBe(0);
    fc.assert(fc.property(fc.integer({ min: 0, max: MAX_MONEY }), (t) => {
      const half = requiredPremium(t, false);
      expect(2 * half >= t && 2 * half <= t + 1).toBe(true);
      expect(requiredPremium(t, true)).toBe(t);
    }));
  });
});
