import fc from 'fast-check';
import { domainFixup, type Fixtures } from './fuzz-hints.ts';
import { arbitraryFor, deref, typesOf, type Hint, type JsonSchema } from './fuzz-schema.ts';

// Requests for one operation of the OpenAPI document, as small descriptions (a "spec") that
// fast-check generates and shrinks, rendered into app.inject options only when sent. Huge and
// deeply nested payloads stay descriptions ({ size: 1048577 }), so a failure report stays readable.

export type Role = 'admin' | 'opd' | 'opd-other' | 'finance' | 'inspector' | 'none';

export interface ParamInfo {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface FuzzOperation {
  name: string;
  method: string;
  path: string;
  pathParams: ParamInfo[];
  queryParams: ParamInfo[];
  headerParams: ParamInfo[];
  /** Media type -> request body schema. */
  body: Record<string, JsonSchema> | undefined;
  /** Status -> media type -> response schema (dereferenced). */
  responses: Record<string, Record<string, JsonSchema>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

interface RawOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: unknown }>;
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export function fuzzOperations(doc: { paths: Record<string, Record<string, unknown>> }): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const op = raw as RawOperation;
      const params = (where: string) =>
        (op.parameters ?? []).filter((p) => p.in === where).map((p) => ({ name: p.name, required: p.required === true || where === 'path', schema: deref(doc, p.schema) }));
      const content = op.requestBody?.content;
      out.push({
        name: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params('path'),
        queryParams: params('query'),
        headerParams: params('header'),
        body: content ? Object.fromEntries(Object.entries(content).map(([type, c]) => [type, deref(doc, c.schema)])) : undefined,
        responses: Object.fromEntries(
          Object.entries(op.responses ?? {}).map(([status, r]) => [status, Object.fromEntries(Object.entries(r.content ?? {}).map(([type, c]) => [type, deref(doc, c.schema)]))]),
        ),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The spec

export type ParamValue = { fixture: string; index: number; upper?: boolean } | { value: string; raw?: boolean };

/** Changes applied to a generated valid JSON body; `at` picks a slot, modulo the slots there are. */
export type Mutation =
  | { op: 'wrongType'; at: number; value: unknown }
  | { op: 'dropKey'; at: number }
  | { op: 'unknownKey'; at: number; key: string; value: unknown }
  | { op: 'proto'; at: number; variant: number }
  | { op: 'huge'; at: number; totalBytes: number; filler: 'A' | 'é' }
  | { op: 'deep'; at: number; depth: number; shape: 'array' | 'object' }
  | { op: 'rawValue'; at: number; json: string };

export type BodyContent =
  | { json: unknown }
  | { raw: string }
  | { mutate: Mutation; base: unknown }
  | { csv: { header: string[]; rows: unknown[] } }
  | { ndjson: unknown[] };

export interface RequestSpec {
  kind: 'valid' | 'invalid-body' | 'odd-path' | 'odd-query' | 'odd-headers';
  role: Role;
  path: Record<string, ParamValue>;
  query: Array<{ key: string; value: string; raw?: boolean }>;
  headers: Record<string, string>;
  body?: { contentType: string | undefined; content: BodyContent };
}

export interface Limits {
  json: number;
  largeJson: number;
}

// ---------------------------------------------------------------------------------------------
// Valid requests

/** The fixture collection a path parameter names: the segment before it (`/projects/{id}` -> projects). */
export function collectionOf(path: string, param: string): string | undefined {
  const segments = path.split('/');
  const at = segments.indexOf(`{${param}}`);
  return at > 0 ? segments[at - 1] : undefined;
}

export const ROLES: Role[] = ['admin', 'opd', 'opd-other', 'finance', 'inspector'];

/**
 * Mostly the roles the operation lets in (found by probing), so most requests reach the handler;
 * sometimes another role or no token, whose 401/403 answers must be problem+json too.
 */
export const roleArbitrary = (allowed: Role[]): fc.Arbitrary<Role> =>
  fc.oneof(...ROLES.map((role) => ({ weight: allowed.includes(role) || allowed.length === 0 ? 8 : 1, arbitrary: fc.constant(role) })), { weight: 1, arbitrary: fc.constant<Role>('none') });

const asQueryValues = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap(asQueryValues) : value === null || value === undefined ? [] : [typeof value === 'string' ? value : JSON.stringify(value)];

/** The first array-of-objects property of a body schema: what a CSV or NDJSON body holds one per line. */
export function recordsOf(schema: JsonSchema): { field: string; item: JsonSchema } | undefined {
  for (const [field, sub] of Object.entries(schema.properties ?? {})) {
    if (typesOf(sub).includes('array') && sub.items && typesOf(sub.items).includes('object')) return { field, item: sub.items };
  }
  return undefined;
}

function bodyArbitrary(op: FuzzOperation, hint: Hint): fc.Arbitrary<RequestSpec['body']> | undefined {
  if (!op.body) return undefined;
  const choices = Object.entries(op.body).map(([type, schema]) => {
    const raw = arbitraryFor(schema, hint);
    const value = fc.oneof({ weight: 4, arbitrary: raw.map(domainFixup) }, { weight: 1, arbitrary: raw });
    const records = recordsOf(schema);
    if (type === 'text/csv' && records) {
      const header = Object.keys(records.item.properties ?? {});
      return value.map((v) => ({ contentType: type, content: { csv: { header, rows: recordRows(v, records.field) } } as BodyContent }));
    }
    if (type === 'application/x-ndjson' && records) {
      return value.map((v) => ({ contentType: type, content: { ndjson: recordRows(v, records.field) } as BodyContent }));
    }
    const contentType = fc.constantFrom(type, type === 'application/json' ? 'application/json; charset=utf-8' : type);
    return fc.tuple(contentType, value).map(([ct, v]) => ({ contentType: ct, content: { json: v } as BodyContent }));
  });
  return fc.oneof(...choices);
}

const recordRows = (value: unknown, field: string): unknown[] => {
  const rows = (value as Record<string, unknown> | null)?.[field];
  return Array.isArray(rows) ? rows : [];
};

export function validRequest(op: FuzzOperation, fixtures: Fixtures, hint: Hint, roles: Role[]): fc.Arbitrary<RequestSpec> {
  const path = fc.record(
    Object.fromEntries(
      op.pathParams.map((p) => {
        const pool = fixtures.pools[collectionOf(op.path, p.name) ?? ''] ?? [];
        const fromSchema = arbitraryFor(p.schema, hint, p.name).map((v): ParamValue => ({ value: String(v) }));
        const fixture = fc.nat({ max: Math.max(0, pool.length - 1) }).map((index): ParamValue => ({ fixture: collectionOf(op.path, p.name) ?? '', index }));
        return [p.name, pool.length > 0 ? fc.oneof({ weight: 4, arbitrary: fixture }, { weight: 1, arbitrary: fromSchema }) : fromSchema];
      }),
    ),
  );
  const query = fc
    .tuple(...op.queryParams.map((p) => (p.required ? arbitraryFor(p.schema, hint, p.name).map((v) => [p.name, v] as const) : fc.option(arbitraryFor(p.schema, hint, p.name).map((v) => [p.name, v] as const), { freq: 2 }))))
    .map((entries) => entries.flatMap((e) => (e ? asQueryValues(e[1]).map((value) => ({ key: e[0], value })) : [])));
  const headers = fc
    .tuple(
      ...op.headerParams.map((p) => fc.option(arbitraryFor(p.schema, hint, p.name).map((v) => [p.name, String(v)] as const), { freq: 10 })),
      fc.option(fc.constantFrom(['accept-language', 'en'] as const, ['accept-language', 'id'] as const), { freq: 2 }),
      fc.option(fc.stringMatching(/^[\x21-\x7e]{1,40}$/).map((id) => ['x-request-id', id] as const), { freq: 2 }),
    )
    .map((pairs) => Object.fromEntries(pairs.filter((p): p is readonly [string, string] => p !== null)));
  const body = bodyArbitrary(op, hint) ?? fc.constant(undefined);
  return fc.record({ kind: fc.constant<RequestSpec['kind']>('valid'), role: roleArbitrary(roles), path, query, headers, body }).map((spec) => {
    if (spec.body === undefined) delete spec.body;
    return spec as RequestSpec;
  });
}

// ---------------------------------------------------------------------------------------------
// Invalid requests, each derived from a valid one

const ODD_PATH: ParamValue[] = [
  { value: 'not-a-uuid' }, { value: '0' }, { value: '-1' }, { value: 'null' }, { value: 'undefined' }, { value: '%00', raw: true },
  { value: '%ZZ', raw: true }, { value: '%E0%A4%A', raw: true }, { value: '00000000-0000-0000-0000-000000000000' },
  { value: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }, { value: '{3f2504e0-4f89-11d3-9a0c-0305e82c3301}' }, { value: '3f2504e04f8911d39a0c0305e82c3301' },
  { value: '3f2504e0-4f89-11d3-9a0c-0305e82c3301x' }, { value: "' OR '1'='1" }, { value: '😀' }, { value: 'ü' }, { value: 'a'.repeat(101) },
  { value: 'a'.repeat(5000) }, { value: '1'.repeat(40_000) }, { value: '\u0000' }, { value: '..' }, { value: 'x/../../opds' },
];

function oddPathArb(op: FuzzOperation): fc.Arbitrary<[string, ParamValue]> | undefined {
  if (op.pathParams.length === 0) return undefined;
  const name = fc.constantFrom(...op.pathParams.map((p) => p.name));
  const upper = name.map((n): [string, ParamValue] => [n, { fixture: collectionOf(op.path, n) ?? '', index: 0, upper: true }]);
  const listed = fc.tuple(name, fc.constantFrom(...ODD_PATH));
  const random = fc.tuple(name, fc.oneof(fc.string({ minLength: 1 }), fc.string({ minLength: 1, unit: 'binary' })).map((value): ParamValue => ({ value })));
  return fc.oneof(listed, random, upper);
}

const base64url = (s: string) => Buffer.from(s).toString('base64url');
const ODD_QUERY: RequestSpec['query'] = [
  { key: 'limit', value: '0' }, { key: 'limit', value: '501' }, { key: 'limit', value: '-1' }, { key: 'limit', value: 'abc' },
  { key: 'limit', value: '1.5' }, { key: 'limit', value: '1e2' }, { key: 'limit', value: '99999999999999999999' }, { key: 'limit', value: '' },
  { key: 'cursor', value: 'garbage' }, { key: 'cursor', value: base64url('{"a":1}') }, { key: 'cursor', value: base64url('null') },
  { key: 'cursor', value: base64url('{"seq":"1; drop table x","id":null}') }, { key: 'cursor', value: base64url('[1,2,3]') },
  { key: 'cursor', value: 'A'.repeat(600) }, { key: 'cursor', value: '%00', raw: true }, { key: '__proto__[polluted]', value: '1', raw: true },
  { key: 'constructor[prototype][polluted]', value: '1', raw: true }, { key: '__proto__', value: 'x' }, { key: 'zz', value: '%ZZ', raw: true },
  { key: '', value: '' }, { key: 'q', value: '%E0%A4%A', raw: true }, { key: 'q', value: '\u0000' }, { key: 'q', value: "' OR 1=1 --" },
  { key: 'q', value: '%' }, { key: 'q', value: '_' }, { key: 'q', value: '\\' }, { key: 'q', value: 'x'.repeat(10_000) }, { key: 'q', value: '😀\u202e' },
];
const ODD_VALUES = ['true', 'null', '[]', '{}', '-0', 'NaN', 'Infinity', '2024-02-30', '0000-00-00', '9999-12-31T99:99:99Z', '', ' ', '1e400', '0x10', '\u0000', '%00'];

function oddQueryArb(op: FuzzOperation): fc.Arbitrary<RequestSpec['query']> {
  const entry: fc.Arbitrary<RequestSpec['query'][number]>[] = [fc.constantFrom(...ODD_QUERY)];
  if (op.queryParams.length > 0) {
    const names = fc.constantFrom(...op.queryParams.map((p) => p.name));
    entry.push(fc.tuple(names, fc.constantFrom(...ODD_VALUES)).map(([key, value]) => ({ key, value })));
    entry.push(fc.tuple(names, fc.string({ unit: 'grapheme' })).map(([key, value]) => ({ key, value })));
  }
  return fc.array(fc.oneof(...entry), { minLength: 1, maxLength: 3 });
}

const ODD_HEADERS: Record<string, string[]> = {
  'accept-language': ['en', 'id', 'EN', 'en-US,en;q=0.9', 'id-ID', '*', 'fr', '', 'en-'.repeat(3000), 'é', 'en\u0000', ';q=', 'en\r\nx-injected: 1'],
  'x-request-id': ['ok-id-1', 'spm:2026.01_x', 'a\u0001b', 'a\nb', ' ', '', 'x'.repeat(128), 'x'.repeat(129), 'ü', '\u0000', 'a b', '<script>', '=1+1', '!'],
  accept: ['*/*', 'application/json', 'application/problem+json', 'application/x-ndjson', 'text/csv', 'text/html', 'application/xml', '', 'garbage/;;', 'text/csv;q=0.5, application/json'],
  'content-type': [
    'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;', 'text/csv',
    'application/x-ndjson', 'text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
    'application/octet-stream', 'application/merge-patch+json', '', 'json', '*/*', 'text/csv; charset=utf-16',
  ],
};

function oddHeadersArb(op: FuzzOperation): fc.Arbitrary<Record<string, string>> {
  const names = [...Object.keys(ODD_HEADERS), ...op.headerParams.map((p) => p.name)];
  const value = (name: string) => fc.oneof(fc.constantFrom(...(ODD_HEADERS[name] ?? ['', ' ', 'x'.repeat(256), 'ü', '\u0000', 'a\tb'])), fc.string({ unit: 'grapheme' }));
  return fc.uniqueArray(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).chain((chosen) =>
    fc.tuple(...chosen.map((n) => value(n).map((v) => [n, v] as const))).map((pairs) => Object.fromEntries(pairs)),
  );
}

const WRONG_TYPE_VALUES: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', [], [1], {}, { a: 1 }, '1', 'null', Number.MAX_SAFE_INTEGER + 2];
const UNKNOWN_KEYS = ['isAdmin', 'decision', 'id', 'createdAt', 'auditSeq', 'zzUnknown', '', ' ', 'a.b', '$where', 'ñ', 'constructor', 'toString', 'hasOwnProperty'];
const RAW_VALUES = [
  '"\\u0000"', '"a\\u0000b"', '"\\ud800"', '"\\udfff\\ud800"', '"\\u202e\\u200b"', '"\\ufeff"', '"😀"', '"\\u0000\\u0001\\u001f"', '1e400', '-0',
  '1.0000000000000001', '9007199254740993', '123456789012345678901234567890', '0.1e-400', '"\\n\\r\\t"', '"<script>alert(1)</script>"', '"\\\\x00"',
];

function mutationArb(limits: Limits): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('wrongType' as const), at, value: fc.oneof(fc.constantFrom(...WRONG_TYPE_VALUES), fc.jsonValue({ maxDepth: 2 })) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('dropKey' as const), at }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('unknownKey' as const), at, key: fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.string()), value: fc.jsonValue({ maxDepth: 1 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('proto' as const), at, variant: fc.nat({ max: PROTO_VARIANTS.length - 1 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('huge' as const),
        at,
        totalBytes: fc.constantFrom(4096, 65_536, limits.json - 1, limits.json, limits.json + 1, limits.largeJson + 1),
        filler: fc.constantFrom('A' as const, 'é' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('deep' as const), at, depth: fc.constantFrom(64, 1000, 50_000), shape: fc.constantFrom('array' as const, 'object' as const) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('rawValue' as const), at, json: fc.constantFrom(...RAW_VALUES) }) },
  );
}

const RAW_BODIES = [
  '', ' ', '[]', '"x"', '1', 'null', 'true', '{', '{"a":1,}', "{'a':1}", 'NaN', '\ufeff{}', '{"a":1}{"b":2}', '{"a":1,"a":2}', '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}', '{"\\u005f_proto__":{"polluted":true}}', '[{"__proto__":null}]', '\u0000', '{"a":"\u0000"}', '{}', '/* c */ {}',
];
const RAW_CSV = [
  '', '\n', 'nik\n', '"unbalanced\n1,2', 'a,b,c\n1,2,3\n', '\ufeffnik,name\n1,2', 'x\u0000y\n', ',,,,,,\n,,,,,\n', 'nik;name;role\n1;2;3\n', '"a""b",c\r\n1,2\r\n',
];
const RAW_NDJSON = ['', '\n\n', '{}\n', '{"a":1}\n{', '[1]\n', 'null\n', '{"__proto__":{"polluted":true}}\n', '"x"\n1\n', '{"a":1}\r\n{"b":2}'];

/** Raw JSON texts spliced in where a `proto` mutation lands; JS objects would drop `__proto__` keys. */
export const PROTO_VARIANTS = [
  '"__proto__":{"polluted":true,"isAdmin":true}',
  '"constructor":{"prototype":{"polluted":true}}',
  '"__proto__":null',
  '"\\u005f_proto__":{"polluted":true}',
  '"__proto__":{"toString":"x"},"__proto__":{"polluted":1}',
];

function invalidBodyArb(op: FuzzOperation, limits: Limits): fc.Arbitrary<(body: NonNullable<RequestSpec['body']>) => RequestSpec['body']> | undefined {
  if (!op.body) return undefined;
  const types = Object.keys(op.body);
  const raw = fc.oneof(
    fc.constantFrom(...RAW_BODIES).map((text) => (b: NonNullable<RequestSpec['body']>) => ({ contentType: b.contentType, content: { raw: text } })),
    ...(types.includes('text/csv') ? [fc.constantFrom(...RAW_CSV).map((text) => () => ({ contentType: 'text/csv', content: { raw: text } }))] : []),
    ...(types.includes('application/x-ndjson') ? [fc.constantFrom(...RAW_NDJSON).map((text) => () => ({ contentType: 'application/x-ndjson', content: { raw: text } }))] : []),
  );
  const mutate = mutationArb(limits).map((mutation) => (b: NonNullable<RequestSpec['body']>) => {
    const c = b.content;
    const base = 'json' in c ? c.json : 'ndjson' in c ? c.ndjson[0] ?? {} : 'csv' in c ? c.csv.rows[0] ?? {} : {};
    const contentType = 'json' in c ? b.contentType : 'application/json';
    return { contentType, content: { mutate: mutation, base } };
  });
  return fc.oneof({ weight: 4, arbitrary: mutate }, { weight: 1, arbitrary: raw });
}

/** Valid and invalid requests for one operation, weighted so about half are meant to be valid. */
export function requestArbitrary(op: FuzzOperation, fixtures: Fixtures, hint: Hint, limits: Limits, roles: Role[]): fc.Arbitrary<RequestSpec> {
  const valid = validRequest(op, fixtures, hint, roles);
  const variants: Array<{ weight: number; arbitrary: fc.Arbitrary<RequestSpec> }> = [{ weight: 5, arbitrary: valid }];
  const invalidBody = invalidBodyArb(op, limits);
  if (invalidBody) {
    variants.push({
      weight: 5,
      arbitrary: fc.tuple(valid, invalidBody).map(([spec, change]) => ({ ...spec, kind: 'invalid-body' as const, body: spec.body ? change(spec.body) : spec.body })),
    });
  }
  const oddPath = oddPathArb(op);
  if (oddPath) variants.push({ weight: 2, arbitrary: fc.tuple(valid, oddPath).map(([spec, [name, value]]) => ({ ...spec, kind: 'odd-path' as const, path: { ...spec.path, [name]: value } })) });
  variants.push({ weight: 2, arbitrary: fc.tuple(valid, oddQueryArb(op)).map(([spec, query]) => ({ ...spec, kind: 'odd-query' as const, query: [...spec.query, ...query] })) });
  variants.push({
    weight: 2,
    arbitrary: fc.tuple(valid, oddHeadersArb(op)).map(([spec, headers]) => {
      const { 'content-type': contentType, ...rest } = headers;
      const next: RequestSpec = { ...spec, kind: 'odd-headers', headers: { ...spec.headers, ...rest } };
      // A content type on a body-less route still goes out as a header; with a body it replaces the real one.
      if (contentType !== undefined) next.body = spec.body ? { ...spec.body, contentType } : { contentType, content: { raw: '' } };
      return next;
    }),
  });
  return fc.oneof(...variants);
}
