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

export const isoDateSchema = z
  .string()
  .refine(isIsoDate, 'a calendar date YYYY-MM-DD')
  .describe('Calendar date YYYY-MM-DD in LOCAL_TIMEZONE');

/** Whole rupiah, 0..10^15 (inside JavaScript's safe integers). */
export const moneySchema = z.number().int().min(0).max(1_000_000_000_000_000).describe('Whole rupiah (IDR)');

export const uuidSchema = z.uuid();
export const idParams = z.object({ id: uuidSchema });
