import fc from 'fast-check';
import { luhnCheckDigit } from '../../src/policy/identifiers.ts';
import { nik } from './fixtures.ts';
import { calendarDate, type Hint, type JsonSchema } from './fuzz-schema.ts';

// Domain knowledge the OpenAPI document cannot carry: identifiers validated by refinements (NIK,
// NPWP, dates are plain strings there) and ids that must name rows that exist. Without these,
// "valid" requests would almost never get past validation, and the routes' inner code would go
// unfuzzed. Each hint is taken most of the time, not always, so the schema's own values still run.

/** Ids and codes of the rows created before fuzzing, by collection (the path segment they live under). */
export interface Fixtures {
  pools: Record<string, string[]>;
  projectCodes: string[];
  opdCodes: string[];
}

const digits = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));

const validNik = fc.integer({ min: 0, max: 20_000 }).chain((n) => fc.boolean().map((female) => nik(n, female)));

/** The old 15-digit NPWP: the 9th digit is the Luhn check digit over the first 8. */
const validNpwp = fc.tuple(digits(8), digits(6)).map(([head, tail]) => `${head}${luhnCheckDigit(head)}${tail}`);

const DATE_NAME = /(Date|^from|^to|^coverageStart|^coverageEnd)$/;

/** Mostly the hinted value, sometimes whatever the schema allows (rarely: a body holds many such fields). */
const mostly = (hinted: fc.Arbitrary<unknown>, schema: fc.Arbitrary<unknown> | undefined) =>
  schema ? fc.oneof({ weight: 15, arbitrary: hinted }, { weight: 1, arbitrary: schema }) : hinted;

const fromPool = (ids: string[] | undefined) => (ids && ids.length > 0 ? fc.constantFrom(...ids) : undefined);

/** Hints for one operation (`path` picks the cursors harvested from that list). */
export function domainHint(fixtures: Fixtures, path: string): Hint {
  const hint: Hint = (name, schema: JsonSchema) => {
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type !== 'string' || schema.enum || schema.anyOf || schema.oneOf) return undefined;
    const text = `${name ?? ''} ${schema.description ?? ''}`;
    const plain = schema.format ? undefined : fc.string({ maxLength: 20 });
    if (name === 'nik' || name === 'niks' || /^NIK\b/.test(schema.description ?? '')) return mostly(validNik, plain);
    if (name === 'kpj' || /^KPJ\b/.test(schema.description ?? '')) return mostly(digits(11), plain);
    if (name === 'nib' || /^NIB\b/.test(schema.description ?? '')) return mostly(digits(13), plain);
    if (name === 'npwp' || /^NPWP\b/.test(schema.description ?? '')) return mostly(validNpwp, plain);
    if (name === 'idempotency-key' || /printable ASCII/i.test(text)) return mostly(fc.stringMatching(/^[\x21-\x7e]{1,64}$/), plain);
    if (name === 'cursor') {
      const harvested = fromPool(fixtures.pools[`cursor:${path}`]);
      if (harvested) return mostly(harvested, plain);
    }
    // Flags the document shows as plain strings (zod's stringbool): say which spellings count.
    if (name && /^(include[A-Z]\w*|final)$/.test(name)) return mostly(fc.constantFrom('true', 'false'), plain);
    if (name === 'projectCode') return mostly(fc.constantFrom(...fixtures.projectCodes, 'NO-SUCH-PROJECT'), undefined);
    if (name === 'opdCode') return mostly(fc.constantFrom(...fixtures.opdCodes), undefined);
    const idMatch = name ? /^(contractor|project|assignment|disbursement|decision)Id$/.exec(name) : null;
    if (idMatch?.[1]) {
      const collection = { contractor: 'contractors', project: 'projects', assignment: 'workers', disbursement: 'disbursements', decision: 'disbursements' }[idMatch[1]];
      const pool = fromPool(collection ? fixtures.pools[collection] : undefined);
      if (pool) return mostly(pool, fc.uuid());
    }
    if (!schema.format && !schema.pattern && ((name && DATE_NAME.test(name)) || /YYYY-MM-DD/.test(schema.description ?? ''))) {
      return mostly(calendarDate, plain);
    }
    return undefined;
  };
  return hint;
}

const ORDERED = [['startDate', 'endDate', 'maintenanceEndDate'], ['coverageStart', 'coverageEnd'], ['from', 'to']];
const EXCLUSIVE = [['projectId', 'projectCode']];

/**
 * Cross-field rules the document cannot state (end on or after start, exactly one of two ids, no
 * repeated list entries), applied to most generated valid bodies so they get past validation.
 */
export function domainFixup(value: unknown): unknown {
  if (Array.isArray(value)) {
    const fixed = value.map(domainFixup);
    return fixed.every((v) => typeof v !== 'object' || v === null) ? [...new Set(fixed)] : fixed;
  }
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, domainFixup(v)]));
  for (const keys of ORDERED) {
    const present = keys.filter((k) => typeof out[k] === 'string' && /^\d{4}-\d{2}-\d{2}/.test(out[k] as string));
    const sorted = present.map((k) => out[k] as string).sort();
    present.forEach((k, i) => (out[k] = sorted[i]));
  }
  for (const [first, second] of EXCLUSIVE) if (first && second && first in out && second in out) delete out[second];
  return out;
}
