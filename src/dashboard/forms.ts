// Turning HTML form fields (all strings) into the API's request bodies, so the API's own zod
// schemas judge them and the same messages come back, field by field.
import type { z } from 'zod';
import type { FieldError } from '../http/problem.ts';
import type { FormValues } from './pages-forms.ts';

/** A roster CSV of 10,000 workers is about 1 MiB; 16 MiB leaves room for long names. */
export const ROSTER_UPLOAD_LIMIT = 16 * 1024 * 1024;

const MONEY = ['contractValue', 'bpjsPremiumPaid'];
const INTEGER = ['fiscalYear'];
const NULLABLE = ['maintenanceEndDate', 'bpjsRegistrationNumber'];

/** Strings of a submitted form (repeated fields and files are not expected here). */
export function formValues(body: unknown, names: readonly string[]): FormValues {
  const source = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const out: FormValues = {};
  for (const name of names) {
    const v = source[name];
    if (typeof v === 'string') out[name] = v.trim();
  }
  return out;
}

const toNumber = (text: string): number | string => {
  const digits = text.replace(/[\s.,]/g, '');
  return /^\d+$/.test(digits) ? Number(digits) : text;
};

/**
 * The project body from the form: money may carry thousands separators ("1.500.000"), the VAT a
 * decimal comma; an empty optional field is left out (register) or cleared (edit).
 */
export function projectBody(values: FormValues, mode: 'new' | 'edit'): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(values)) {
    if (raw === '') {
      if (mode === 'edit' && NULLABLE.includes(key)) body[key] = null;
      continue;
    }
    if (MONEY.includes(key)) body[key] = toNumber(raw);
    else if (INTEGER.includes(key)) body[key] = /^\d+$/.test(raw) ? Number(raw) : raw;
    else if (key === 'vatPercent') body[key] = /^\d+([.,]\d+)?$/.test(raw) ? Number(raw.replace(',', '.')) : raw;
    else body[key] = raw;
  }
  return body;
}

export function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || '(form)', message: i.message }));
}

export const PROJECT_FIELDS = [
  'code', 'name', 'opdCode', 'contractorId', 'fundingSource', 'fiscalYear', 'contractNumber', 'contractValue', 'vatPercent',
  'startDate', 'endDate', 'maintenanceEndDate', 'bpjsRegistrationNumber', 'bpjsPremiumPaid',
] as const;

export const CONTRACTOR_FIELDS = ['name', 'nib', 'npwp', 'bpjsEmployerNumber'] as const;
