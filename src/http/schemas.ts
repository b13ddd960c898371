import { z } from 'zod';
import { isIsoDate } from '../policy/dates.ts';
import { validateKpj, validateNib, validateNik, validateNpwp, type IdentifierResult } from '../policy/identifiers.ts';

/** A zod string checked by one of the policy's identifier validators; the value is normalised. */
const identifier = (validate: (value: string, lang?: 'id' | 'en') => IdentifierResult, description: string) =>
  z
    .string()
    .max(64)
    .transform((value, ctx) => {
      const result = validate(value, 'en');
      if (!result.ok) {
        ctx.addIssue({ code: 'custom', message: `${result.rule}: ${result.message}` });
        return z.NEVER;
      }
      return result.value;
    })
    .describe(description);

export const nikSchema = identifier(validateNik, 'NIK: 16 digits (province, regency, district, birth date DDMMYY with women +40, serial)');
export const kpjSchema = identifier(validateKpj, 'KPJ: BPJS Ketenagakerjaan card number, 11 digits');
export const nibSchema = identifier(validateNib, 'NIB: 13-digit business number (OSS)');
export const npwpSchema = identifier(validateNpwp, 'NPWP: 15 digits (Luhn check digit) or 16 digits; dots, dashes and spaces are accepted and removed');
export const digitStringSchema = (description: string) => z.string().regex(/^\d{1,40}$/, 'digits only').describe(description);

// Every date the API takes lies in this range and every UTC offset in the range of real time zones:
// PostgreSQL has no year 0 and refuses offsets beyond 15:59, which would otherwise surface as a 500.
export const DATE_MIN = '1900-01-01';
export const DATE_MAX = '2199-12-31';
const DATE_RANGE = `between ${DATE_MIN} and ${DATE_MAX}`;

/** A real calendar date YYYY-MM-DD within DATE_MIN..DATE_MAX (ISO dates compare as strings). */
export const isApiDate = (value: string): boolean => isIsoDate(value) && value >= DATE_MIN && value <= DATE_MAX;

const INSTANT = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/i;

/** An RFC 3339 timestamp whose date is within the API's range and whose offset is within -12:00..+14:00. */
export function isApiInstant(value: string): boolean {
  const m = INSTANT.exec(value);
  if (m === null || !isApiDate(m[1] as string) || Number.isNaN(Date.parse(value))) return false;
  if (m[2]?.toUpperCase() === 'Z') return true;
  const minutes = Number(m[4]) * 60 + Number(m[5]);
  return Number(m[5]) < 60 && (m[3] === '+' ? minutes <= 14 * 60 : minutes <= 12 * 60);
}

export const isoDateSchema = z
  .string()
  .refine(isApiDate, `a calendar date YYYY-MM-DD ${DATE_RANGE}`)
  .describe(`Calendar date YYYY-MM-DD in LOCAL_TIMEZONE, ${DATE_RANGE}`);

/** RFC 3339 with a zone (Z or an offset within -12:00..+14:00), its date within the API's range. */
export const instantSchema = z.iso
  .datetime({ offset: true })
  .refine(isApiInstant, `an RFC 3339 timestamp ${DATE_RANGE} with an offset within -12:00..+14:00`);

/** Query bounds: a whole local day, or an instant. */
export const dateOrInstantSchema = z
  .union([isoDateSchema, instantSchema])
  .describe(`A calendar date YYYY-MM-DD (a whole day in LOCAL_TIMEZONE) or an RFC 3339 timestamp, ${DATE_RANGE}`);

/** Whole rupiah, 0..10^15 (inside JavaScript's safe integers). */
export const moneySchema = z.number().int().min(0).max(1_000_000_000_000_000).describe('Whole rupiah (IDR)');

export const uuidSchema = z.uuid();
export const idParams = z.object({ id: uuidSchema });
