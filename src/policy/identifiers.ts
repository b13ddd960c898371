// Offline validation of the identifiers the API accepts (contract: "Identifiers the API validates").
// Each validator names the rule that broke so a 422 can tell the user what to fix, not just "invalid".
import { isValidCalendarDate } from './dates.ts';
import { identifierMessage } from './messages.ts';
import type { IdentifierRule, Lang } from './messages.ts';

export type IdentifierResult =
  | { ok: true; value: string }
  | { ok: false; rule: IdentifierRule; message: string };

// The 38 provinces as coded in Dukcapil NIKs (first registration, so a worker from anywhere passes).
export const NIK_PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15', '16', '17', '18', '19', '21',
  '31', '32', '33', '34', '35', '36', '51', '52', '53',
  '61', '62', '63', '64', '65', '71', '72', '73', '74', '75', '76',
  '81', '82', '91', '92', '93', '94', '95', '96',
]);

const DIGITS = /^\d*$/;

function fail(rule: IdentifierRule, lang: Lang): IdentifierResult {
  return { ok: false, rule, message: identifierMessage(rule, lang) };
}

function digitsOfLength(
  value: string, length: number, rules: { digits: IdentifierRule; length: IdentifierRule }, lang: Lang,
): IdentifierResult {
  if (!DIGITS.test(value)) return fail(rules.digits, lang);
  if (value.length !== length) return fail(rules.length, lang);
  return { ok: true, value };
}

// The birth date only has to exist in 19YY or 20YY: a NIK carries no century, and a 29 February
// is fine whenever either century makes that year a leap year (YY = 00 works through 2000).
function nikBirthDateExists(ddmmyy: string): boolean {
  const dd = Number(ddmmyy.slice(0, 2));
  const mm = Number(ddmmyy.slice(2, 4));
  const yy = Number(ddmmyy.slice(4, 6));
  const day = dd > 40 ? dd - 40 : dd; // women: day + 40
  return isValidCalendarDate(1900 + yy, mm, day) || isValidCalendarDate(2000 + yy, mm, day);
}

export function validateNik(value: string, lang: Lang = 'id'): IdentifierResult {
  const shape = digitsOfLength(value, 16, { digits: 'NIK_NOT_DIGITS', length: 'NIK_LENGTH' }, lang);
  if (!shape.ok) return shape;
  if (!NIK_PROVINCE_CODES.has(value.slice(0, 2))) return fail('NIK_PROVINCE', lang);
  if (value.slice(2, 4) === '00') return fail('NIK_REGENCY', lang);
  if (value.slice(4, 6) === '00') return fail('NIK_DISTRICT', lang);
  if (!nikBirthDateExists(value.slice(6, 12))) return fail('NIK_BIRTH_DATE', lang);
  if (value.slice(12) === '0000') return fail('NIK_SERIAL', lang);
  return { ok: true, value };
}

export function validateKpj(value: string, lang: Lang = 'id'): IdentifierResult {
  return digitsOfLength(value, 11, { digits: 'KPJ_NOT_DIGITS', length: 'KPJ_LENGTH' }, lang);
}

export function validateNib(value: string, lang: Lang = 'id'): IdentifierResult {
  return digitsOfLength(value, 13, { digits: 'NIB_NOT_DIGITS', length: 'NIB_LENGTH' }, lang);
}

// Luhn check digit for a payload (the digit that, appended, makes the whole string Luhn-valid).
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function npwp15CheckDigitOk(digits15: string): boolean {
  return luhnCheckDigit(digits15.slice(0, 8)) === Number(digits15[8]);
}

// Normalises to digits only; a 15-digit NPWP stays 15 digits (callers wanting the 2024 form can
// prefix '0'), so what was typed is still recognisable.
export function validateNpwp(value: string, lang: Lang = 'id'): IdentifierResult {
  const digits = value.replace(/[.\- ]/g, '');
  if (!DIGITS.test(digits)) return fail('NPWP_NOT_DIGITS', lang);
  if (digits.length === 15) {
    return npwp15CheckDigitOk(digits) ? { ok: true, value: digits } : fail('NPWP_CHECK_DIGIT', lang);
  }
  if (digits.length !== 16) return fail('NPWP_LENGTH', lang);
  if (digits.startsWith('0')) {
    // No NIK starts with 0 (province codes are 11..96), so the two 16-digit forms cannot collide.
    return npwp15CheckDigitOk(digits.slice(1)) ? { ok: true, value: digits } : fail('NPWP_CHECK_DIGIT', lang);
  }
  const nik = validateNik(digits, lang);
  if (nik.ok) return { ok: true, value: digits };
  return { ok: false, rule: 'NPWP_NIK', message: `${identifierMessage('NPWP_NIK', lang)}: ${nik.message}` };
}

// Finance sees only a masked NIK (contract: first 6 and last 4 digits). Anything that is not a
// 16-digit NIK is masked entirely, so a malformed value can never leak through a log line.
export function maskNik(nik: string): string {
  if (!/^\d{16}$/.test(nik)) return '*'.repeat(nik.length);
  return `${nik.slice(0, 6)}******${nik.slice(12)}`;
}
