import fc from 'fast-check';

// JSON Schema (as @fastify/swagger renders our zod schemas into OpenAPI 3.1) -> fast-check
// arbitraries that produce values the schema accepts. Only the keywords our document uses are
// understood; anything else falls back to "any JSON value", which the suite then treats as
// (probably) invalid input, so an unsupported keyword costs coverage, never a false failure.

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  description?: string;
  default?: unknown;
}

/**
 * A value generator chosen by the field's name or description before its schema is looked at:
 * identifiers checked by refinements (NIK, dates) are plain strings in the document, and ids that
 * must name existing rows come from fixtures. Returning undefined means "use the schema".
 */
export type Hint = (name: string | undefined, schema: JsonSchema) => fc.Arbitrary<unknown> | undefined;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Resolves every local `$ref` (`#/...`) against the document; a cycle deeper than 24 becomes `{}`. */
export function deref(doc: unknown, schema: unknown, depth = 0): JsonSchema {
  if (!isRecord(schema)) return {};
  if (depth > 24) return {};
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (isRecord(node) ? node[key.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined), doc);
    const { $ref: _ref, ...rest } = schema;
    return { ...deref(doc, target, depth + 1), ...deref(doc, rest, depth + 1) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'properties' || key === 'patternProperties' || key === '$defs') && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deref(doc, v, depth + 1)]));
    } else if ((key === 'items' || key === 'not' || key === 'additionalProperties') && isRecord(value)) {
      out[key] = deref(doc, value, depth + 1);
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf') && Array.isArray(value)) {
      out[key] = value.map((v) => deref(doc, v, depth + 1));
    } else {
      out[key] = value;
    }
  }
  return out as JsonSchema;
}

/**
 * The schema used to check responses: every object without an explicit `additionalProperties`
 * gets `additionalProperties: false`, so a key outside the documented schema is a violation.
 */
export function strictSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, strictSchema(v)]));
    if (schema.additionalProperties === undefined) out.additionalProperties = false;
  }
  if (isRecord(schema.additionalProperties)) out.additionalProperties = strictSchema(schema.additionalProperties);
  if (schema.items) out.items = strictSchema(schema.items);
  if (schema.anyOf) out.anyOf = schema.anyOf.map(strictSchema);
  if (schema.oneOf) out.oneOf = schema.oneOf.map(strictSchema);
  // allOf with closed branches would refuse every key of the other branches: leave it open.
  return out;
}

export function typesOf(schema: JsonSchema): string[] {
  const declared = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const types = declared.length > 0 ? [...declared] : schema.properties ? ['object'] : schema.items ? ['array'] : [];
  if (schema.nullable && !types.includes('null')) types.push('null');
  return types;
}

const INT32 = 2 ** 31 - 1;

function integerArb(min: number, max: number): fc.Arbitrary<number> {
  if (min > max) return fc.constant(min);
  if (min >= -INT32 && max <= INT32) return fc.integer({ min, max });
  const small = fc.integer({ min: Math.max(min, -INT32), max: Math.min(max, INT32) });
  const wide = fc.bigInt({ min: BigInt(min), max: BigInt(max) }).map(Number);
  return fc.oneof(small, wide, fc.constantFrom(min, max));
}

function numberArb(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = Math.ceil(schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -Number.MAX_SAFE_INTEGER));
  const hi = Math.floor(schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : Number.MAX_SAFE_INTEGER));
  const ints = integerArb(Math.max(lo, -Number.MAX_SAFE_INTEGER), Math.min(hi, Number.MAX_SAFE_INTEGER));
  if (integer) return ints;
  const min = schema.minimum ?? -1e9;
  const max = schema.maximum ?? 1e9;
  // Two decimals is what money-like and percentage fields allow; any double probes the rest.
  const cents = integerArb(Math.ceil(min * 100), Math.floor(max * 100)).map((n) => n / 100);
  return fc.oneof(ints, cents, fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
}

// In the past (a timestamp from the future, such as BPJS's asOf, is refused), at whole milliseconds.
const dateTime = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2025, 11, 31) })
  .map((ms) => new Date(ms).toISOString());

/** A calendar date YYYY-MM-DD between 2024 and 2027 (around the fixtures' contract years). */
export const calendarDate = fc
  .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 11, 31) })
  .map((ms) => new Date(ms).toISOString().slice(0, 10));

function stringArb(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? minLength + 40, minLength + 40);
  // JSON Schema counts code points (an emoji is one) where zod counts UTF-16 units (an emoji is two):
  // a value must fit both, so the lower bound is checked in code points, the upper in units.
  const fits = (s: string) => Array.from(s).length >= minLength && s.length <= (schema.maxLength ?? Infinity);
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') return dateTime;
  if (schema.format === 'date') return calendarDate;
  if (schema.pattern) {
    try {
      const regex = new RegExp(schema.pattern, 'u');
      return fc.stringMatching(regex).filter((s) => fits(s) && regex.test(s));
    } catch {
      // A pattern fast-check cannot invert: plain strings, most of which the route will refuse.
    }
  }
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength, maxLength }) },
    { weight: 1, arbitrary: fc.string({ minLength, maxLength, unit: 'grapheme' }) },
    { weight: 2, arbitrary: nastyString(minLength, maxLength) },
  ).filter(fits);
}

/**
 * Characters that a schema without a pattern lets through and that break the layers below:
 * PostgreSQL cannot store U+0000 in text, lone surrogates do not survive UTF-8, LIKE has
 * wildcards, and the rest break logs, CSV and terminals.
 */
const SPECIAL = fc.oneof(
  { weight: 3, arbitrary: fc.constant('\u0000') },
  {
    weight: 4,
    arbitrary: fc.constantFrom('\u0001', '\u001b[31m', '\u007f', '\ud800', '\udc00', '\u202e', '\u200b', '\ufeff', '\u2028', '\n', '\r\n', '\t', '%', '_', '\\', "'", '"', '😀', '\u0301', '=cmd|', ','),
  },
);

/** A string with one special character somewhere, padded to the schema's lengths. */
export const nastyString = (minLength = 0, maxLength = 40): fc.Arbitrary<string> =>
  fc.tuple(fc.string({ maxLength: 6 }), SPECIAL, fc.string({ maxLength: 6 })).map(([a, special, b]) => {
    const text = `${a}${special}${b}`.padEnd(minLength, 'x');
    return text.length > maxLength ? text.slice(0, maxLength) : text;
  });

/** An arbitrary of values that `schema` accepts (modulo refinements the document cannot express). */
export function arbitraryFor(schema: JsonSchema, hint: Hint, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const hinted = hint(name, schema);
  if (hinted) return hinted;
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches && branches.length > 0) {
    const base = { ...schema, anyOf: undefined, oneOf: undefined };
    return fc.oneof(...branches.map((b) => arbitraryFor({ ...base, ...b, description: b.description ?? schema.description }, hint, name, depth + 1)));
  }
  if (schema.allOf && schema.allOf.length > 0) {
    const merged = schema.allOf.reduce<JsonSchema>(
      (acc, part) => ({ ...acc, ...part, properties: { ...acc.properties, ...part.properties }, required: [...(acc.required ?? []), ...(part.required ?? [])] }),
      { ...schema, allOf: undefined },
    );
    return arbitraryFor(merged, hint, name, depth + 1);
  }
  const types = typesOf(schema);
  if (types.length > 1) return fc.oneof(...types.map((type) => arbitraryFor({ ...schema, type, nullable: false }, hint, name, depth + 1)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return numberArb(schema, true);
    case 'number':
      return numberArb(schema, false);
    case 'string':
      return stringArb(schema);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 4, 4));
      return fc.array(arbitraryFor(schema.items ?? {}, hint, name, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      if (depth > 8) return fc.constant({});
      const properties = schema.properties ?? {};
      const model = Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, arbitraryFor(sub, hint, key, depth + 1)]));
      const requiredKeys = (schema.required ?? []).filter((k) => k in properties);
      return fc.record(model, { requiredKeys }).map((value) => ({ ...value }));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}
