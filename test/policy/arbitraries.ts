// fast-check generators of valid identifiers, built from the contract's rules independently of
// the validators under test.
import fc from 'fast-check';

export const PROVINCES = [
  '11', '12', '13', '14', '15', '16', '17', '18', '19', '21', '31', '32', '33', '34', '35', '36',
  '51', '52', '53', '61', '62', '63', '64', '65', '71', '72', '73', '74', '75', '76', '81', '82',
  '91', '92', '93', '94', '95', '96',
];

export const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const leap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDays = (y: number, m: number): number =>
  m === 2 ? (leap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

export const birthDate = fc
  .record({ year: fc.integer({ min: 1900, max: 2099 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
  .map(({ year, month, day }) => ({ year, month, day: Math.min(day, monthDays(year, month)) }));

export const nikParts = fc.record({
  province: fc.constantFrom(...PROVINCES),
  regency: fc.integer({ min: 1, max: 99 }).map((n) => pad(n, 2)),
  district: fc.integer({ min: 1, max: 99 }).map((n) => pad(n, 2)),
  birth: birthDate,
  female: fc.boolean(),
  serial: fc.integer({ min: 1, max: 9999 }).map((n) => pad(n, 4)),
});

export type NikParts = typeof nikParts extends fc.Arbitrary<infer T> ? T : never;

export function nikFrom(p: NikParts): string {
  const dd = pad(p.birth.day + (p.female ? 40 : 0), 2);
  return `${p.province}${p.regency}${p.district}${dd}${pad(p.birth.month, 2)}${pad(p.birth.year % 100, 2)}${p.serial}`;
}

export const validNik = nikParts.map(nikFrom);

export const digits = (length: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((ds) => ds.join(''));

// Luhn written as a validity check over the whole string, unlike the validator's check-digit form.
export function luhnValid(s: string): boolean {
  let sum = 0;
  [...s].reverse().forEach((ch, i) => {
    const d = Number(ch) * (i % 2 === 1 ? 2 : 1);
    sum += Math.floor(d / 10) + (d % 10);
  });
  return sum % 10 === 0;
}

export const validNpwp15 = fc.tuple(digits(8), digits(6)).map(([head, tail]) => {
  const check = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((c) => luhnValid(`${head}${c}`));
  return `${head}${check}${tail}`;
});

export const formatNpwp15 = (d: string): string =>
  `${d.slice(0, 2)}.${d.slice(2, 5)}.${d.slice(5, 8)}.${d.slice(8, 9)}-${d.slice(9, 12)}.${d.slice(12)}`;
