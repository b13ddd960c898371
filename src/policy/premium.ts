// The JKK/JKM premium a construction project owes when wages are unknown: marginal tiers on the
// contract value excluding VAT (PP 44/2015 as amended by PP 82/2019; Permenaker 44/2015, 5/2021).
// Everything is BigInt: money never passes through binary floating point.

export const MAX_MONEY = 1_000_000_000_000_000; // 10^15 rupiah, the contract's ceiling

const RUPIAH = 100n; // cents per rupiah
const RATE_SCALE = 10_000n; // rates below are in hundredths of a percent (0.21% = 21)

// Band upper edges in cents; each rate applies only to the part of the base inside its band.
const TIERS: ReadonlyArray<{ upTo: bigint | null; jkk: bigint; jkm: bigint }> = [
  { upTo: 100_000_000n * RUPIAH, jkk: 21n, jkm: 3n },
  { upTo: 500_000_000n * RUPIAH, jkk: 17n, jkm: 2n },
  { upTo: 1_000_000_000n * RUPIAH, jkk: 13n, jkm: 2n },
  { upTo: 5_000_000_000n * RUPIAH, jkk: 11n, jkm: 1n },
  { upTo: null, jkk: 9n, jkm: 1n },
];

export interface Premium {
  base: string; // rupiah with 2 decimals, e.g. "90090090.09"
  jkk: number;
  jkm: number;
  total: number;
}

// n / d rounded half-up, for n >= 0 and d > 0.
function divRoundHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

// VAT percent in hundredths ("11.5" -> 1150n). A number is read through its shortest decimal
// form, so 11.5 is accepted but 0.1 + 0.2 (0.30000000000000004) is refused rather than rounded.
export function parseVatHundredths(vatPercent: string | number): bigint {
  if (typeof vatPercent === 'number' && !Number.isFinite(vatPercent)) {
    throw new RangeError(`vatPercent must be a finite number, got ${vatPercent}`);
  }
  const text = String(vatPercent);
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(text);
  if (m === null) throw new RangeError(`vatPercent must be 0..100 with at most 2 decimals, got ${JSON.stringify(text)}`);
  const hundredths = BigInt(m[1] ?? '0') * 100n + BigInt((m[2] ?? '').padEnd(2, '0'));
  if (hundredths > 10_000n) throw new RangeError(`vatPercent must be at most 100, got ${text}`);
  return hundredths;
}

export function assertMoney(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_MONEY) {
    throw new RangeError(`${name} must be an integer 0..10^15 rupiah, got ${value}`);
  }
}

// contractValue * 100 / (100 + vat%) in cents, rounded half-up to the cent.
export function baseCents(contractValue: number, vatPercent: string | number): bigint {
  assertMoney('contractValue', contractValue);
  const vat = parseVatHundredths(vatPercent);
  return divRoundHalfUp(BigInt(contractValue) * RUPIAH * RATE_SCALE, RATE_SCALE + vat);
}

function formatCents(cents: bigint): string {
  return `${cents / RUPIAH}.${String(cents % RUPIAH).padStart(2, '0')}`;
}

export function computePremium(contractValue: number, vatPercent: string | number): Premium {
  const base = baseCents(contractValue, vatPercent);
  let jkk = 0n; // in cents x RATE_SCALE, rounded once at the end
  let jkm = 0n;
  let lower = 0n;
  for (const tier of TIERS) {
    if (base <= lower) break;
    const upper = tier.upTo === null || base < tier.upTo ? base : tier.upTo;
    jkk += (upper - lower) * tier.jkk;
    jkm += (upper - lower) * tier.jkm;
    if (tier.upTo === null) break;
    lower = tier.upTo;
  }
  const jkkRupiah = Number(divRoundHalfUp(jkk, RUPIAH * RATE_SCALE));
  const jkmRupiah = Number(divRoundHalfUp(jkm, RUPIAH * RATE_SCALE));
  return { base: formatCents(base), jkk: jkkRupiah, jkm: jkmRupiah, total: jkkRupiah + jkmRupiah };
}

// Instalments are 50/25/25: any payment before the last needs half the premium (rounded up to the
// rupiah, so an odd total never lets half a rupiah go unpaid); the last payment needs all of it.
export function requiredPremium(total: number, final: boolean): number {
  assertMoney('total', total);
  return final ? total : Math.ceil(total / 2);
}
