import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderOpenApi } from '../../src/openapi-document.ts';
import { createResponseChecker, type Answer, type Notes } from '../helpers/fuzz-check.ts';
import { mutatedJson } from '../helpers/fuzz-render.ts';
import { fuzzOperations, type FuzzOperation } from '../helpers/fuzz-requests.ts';
import { arbitraryFor, type JsonSchema } from '../helpers/fuzz-schema.ts';

// The fuzzer's own parts, so a green fuzz run means something: the schema converter generates
// what the schema accepts, and the response checker catches each kind of violation.

const doc = JSON.parse(await renderOpenApi()) as { paths: Record<string, Record<string, unknown>> };
const operations = fuzzOperations(doc);
const noHint = () => undefined;

describe('the JSON Schema -> fast-check converter', () => {
  const ajv = new Ajv2020({ strict: false, validateFormats: false });
  const bodies = operations.flatMap((op) => Object.entries(op.body ?? {}).map(([type, schema]) => [`${op.name} (${type})`, schema] as const));
  const params = operations.flatMap((op) => [...op.pathParams, ...op.queryParams].map((p) => [`${op.name} ${p.name}`, p.schema] as const));

  it.each([...bodies, ...params])('generates values that %s accepts', (_name, schema: JsonSchema) => {
    const validate = ajv.compile(schema);
    fc.assert(
      fc.property(arbitraryFor(schema, noHint), (value) => {
        if (!validate(value)) throw new Error(`${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
      }),
      { seed: 42, numRuns: 50 },
    );
  });

  it('supports the keywords the document uses', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        n: { type: 'integer', minimum: 0, maximum: 1_000_000_000_000_000 },
        s: { type: ['string', 'null'], minLength: 2, maxLength: 5 },
        e: { type: 'string', enum: ['A', 'B'] },
        p: { type: 'string', pattern: '^[A-Z]{3}$' },
        a: { type: 'array', items: { anyOf: [{ type: 'boolean' }, { type: 'number', minimum: 1, maximum: 2 }] }, minItems: 1, maxItems: 3 },
        o: { oneOf: [{ type: 'string' }, { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'], additionalProperties: false }] },
        z: { type: 'string', nullable: true },
      },
      required: ['id', 'n', 'e', 'p', 'a'],
      additionalProperties: false,
    };
    const validate = ajv.compile({ ...schema, properties: { ...schema.properties, z: { type: ['string', 'null'] } } });
    fc.assert(
      fc.property(arbitraryFor(schema, noHint), (value) => {
        if (!validate(value)) throw new Error(`${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});

describe('body mutations', () => {
  it('writes __proto__ keys as raw JSON text, where a JS object would lose them', () => {
    const text = mutatedJson({ name: 'x' }, { op: 'proto', at: 0, variant: 0 });
    expect(text).toContain('"__proto__":{');
    expect(text).toContain('"name":"x"');
  });

  it('pads a huge value to exactly the requested byte size', () => {
    for (const filler of ['A', 'é'] as const) {
      const text = mutatedJson({ name: 'x', code: 'y' }, { op: 'huge', at: 1, totalBytes: 1024 * 1024 + 1, filler });
      expect(Buffer.byteLength(text)).toBe(1024 * 1024 + 1);
      expect(() => JSON.parse(text)).not.toThrow();
    }
  });

  it('nests deep values and splices raw escapes', () => {
    expect(mutatedJson({ a: 1 }, { op: 'deep', at: 0, depth: 3, shape: 'array' })).toBe('{"a":[[[]]]}');
    expect(mutatedJson({ a: 1 }, { op: 'rawValue', at: 0, json: '"\\ud800"' })).toBe('{"a":"\\ud800"}');
  });
});

describe('the response checker', () => {
  const check = createResponseChecker(doc);
  const op = operations.find((o) => o.name === 'GET /v1/opds') as FuzzOperation;
  const request = { method: 'GET', url: '/v1/opds', headers: { 'x-request-id': 'abc' } };
  const notes = (): Notes => ({ undeclaredStatus: new Set() });
  const answer = (statusCode: number, body: unknown, headers: Answer['headers'] = {}): Answer => ({
    statusCode,
    headers: { 'x-request-id': 'abc', 'content-type': statusCode >= 400 ? 'application/problem+json' : 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const problem = (status: number, code = 'NOT_FOUND') => ({ type: 'urn:x', title: 't', status, detail: 'd', code });

  it('passes a documented success and a proper problem', () => {
    expect(check(op, request, answer(200, { items: [{ code: 'DPUPR', name: 'Dinas' }] }), notes())).toEqual([]);
    expect(check(op, request, answer(403, problem(403, 'FORBIDDEN')), notes())).toEqual([]);
  });

  it('flags a key outside the documented schema, and a wrong type', () => {
    expect(check(op, request, answer(200, { items: [{ code: 'DPUPR', name: 'Dinas', secret: 1 }] }), notes()).join()).toMatch(/additional/);
    expect(check(op, request, answer(200, { items: [{ code: 1, name: 'Dinas' }] }), notes()).join()).toMatch(/must be string/);
  });

  it('flags a 5xx, a plain JSON error, a status mismatch and a code that is not UPPER_SNAKE', () => {
    expect(check(op, request, answer(500, problem(500, 'INTERNAL_ERROR')), notes()).join()).toMatch(/5xx/);
    expect(check(op, request, answer(400, { error: 'Bad Request' }, { 'content-type': 'application/json' }), notes()).join()).toMatch(/not application\/problem\+json/);
    expect(check(op, request, answer(404, problem(400)), notes()).join()).toMatch(/differs from HTTP 404/);
    expect(check(op, request, answer(404, problem(404, 'notFound')), notes()).join()).toMatch(/UPPER_SNAKE/);
  });

  it('flags a missing or unechoed x-request-id, and notes undocumented error statuses', () => {
    expect(check(op, request, answer(200, { items: [] }, { 'x-request-id': undefined }), notes()).join()).toMatch(/no x-request-id/);
    expect(check(op, request, answer(200, { items: [] }, { 'x-request-id': 'other' }), notes()).join()).toMatch(/not echoed/);
    const n = notes();
    check(op, request, answer(418, problem(418, 'TEAPOT')), n);
    expect([...n.undeclaredStatus]).toEqual(['GET /v1/opds -> 418']);
  });
});
