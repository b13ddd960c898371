import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { deref, strictSchema, type JsonSchema } from './fuzz-schema.ts';
import type { RenderedRequest } from './fuzz-render.ts';
import type { FuzzOperation } from './fuzz-requests.ts';

// The properties every response must have, whatever the request was (issue 6, item 3).

export interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** What the app answered that the suite does not fail on, but the lead should know. */
export interface Notes {
  undeclaredStatus: Set<string>;
}

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
// The shape a request id must have to be echoed (contract 2.8); anything else gets a fresh UUID.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const header = (answer: Answer, name: string): string | undefined => {
  const v = answer.headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
};

const mediaType = (contentType: string | undefined) => (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

export function createResponseChecker(doc: unknown) {
  // Formats are not checked: the document carries a pattern next to each format it uses.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new WeakMap<JsonSchema, ValidateFunction>();
  const validatorFor = (schema: JsonSchema): ValidateFunction => {
    let fn = compiled.get(schema);
    if (!fn) {
      fn = ajv.compile(strictSchema(schema));
      compiled.set(schema, fn);
    }
    return fn;
  };
  const problemSchema = deref(doc, { $ref: '#/components/schemas/Problem' });
  const schemaErrors = (fn: ValidateFunction) =>
    (fn.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}${e.keyword === 'additionalProperties' ? ` (${JSON.stringify(e.params)})` : ''}`).join('; ');

  function checkProblem(answer: Answer, violations: string[]): void {
    const type = mediaType(header(answer, 'content-type'));
    if (type !== 'application/problem+json') violations.push(`error ${answer.statusCode} has content-type ${JSON.stringify(header(answer, 'content-type'))}, not application/problem+json`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      violations.push(`error ${answer.statusCode} body is not JSON`);
      return;
    }
    for (const field of ['type', 'title', 'detail', 'code'] as const) {
      if (typeof body[field] !== 'string' || body[field] === '') violations.push(`problem.${field} missing or not a non-empty string`);
    }
    if (body.status !== answer.statusCode) violations.push(`problem.status ${JSON.stringify(body.status)} differs from HTTP ${answer.statusCode}`);
    if (typeof body.code === 'string' && !UPPER_SNAKE.test(body.code)) violations.push(`problem.code ${JSON.stringify(body.code)} is not UPPER_SNAKE`);
    if (problemSchema.properties) {
      const fn = validatorFor(problemSchema);
      if (!fn(body)) violations.push(`problem body breaks the Problem schema: ${schemaErrors(fn)}`);
    }
    if (answer.statusCode === 401 && !/^Bearer\b/.test(header(answer, 'www-authenticate') ?? '')) violations.push('401 without WWW-Authenticate: Bearer');
  }

  function checkSuccess(op: FuzzOperation, answer: Answer, violations: string[]): void {
    const declared = op.responses[String(answer.statusCode)];
    if (!declared) {
      violations.push(`success status ${answer.statusCode} is not documented for ${op.name}`);
      return;
    }
    const types = Object.keys(declared);
    if (types.length === 0) return; // e.g. 204: nothing documented to check
    const type = mediaType(header(answer, 'content-type'));
    if (!types.includes(type)) {
      violations.push(`content-type ${JSON.stringify(type)} is not documented for ${answer.statusCode} (documented: ${types.join(', ')})`);
      return;
    }
    if (type === 'application/json') {
      let body: unknown;
      try {
        body = JSON.parse(answer.body);
      } catch {
        violations.push('success body is not JSON');
        return;
      }
      const fn = validatorFor(declared[type] as JsonSchema);
      if (!fn(body)) violations.push(`body breaks the documented ${answer.statusCode} schema: ${schemaErrors(fn)}`);
    } else if (type === 'application/x-ndjson') {
      answer.body.split('\n').filter((l) => l.trim() !== '').forEach((line, i) => {
        try {
          JSON.parse(line);
        } catch {
          violations.push(`NDJSON line ${i + 1} is not JSON`);
        }
      });
    }
  }

  /** Every property the answer breaks; empty when it is fine. */
  return function check(op: FuzzOperation, request: RenderedRequest, answer: Answer, notes: Notes): string[] {
    const violations: string[] = [];
    if (answer.statusCode >= 500) violations.push(`answered ${answer.statusCode} (a 5xx)`);
    const requestId = header(answer, 'x-request-id');
    if (!requestId) violations.push('no x-request-id header');
    const sent = request.headers['x-request-id'];
    if (sent !== undefined && REQUEST_ID.test(sent) && requestId !== sent) violations.push(`x-request-id ${JSON.stringify(sent)} not echoed (got ${JSON.stringify(requestId)})`);
    if (sent !== undefined && !REQUEST_ID.test(sent) && requestId === sent) violations.push(`x-request-id ${JSON.stringify(sent)} echoed although outside [A-Za-z0-9._:-]{1,128}`);
    if (answer.statusCode >= 400) {
      checkProblem(answer, violations);
      if (!op.responses[String(answer.statusCode)]) notes.undeclaredStatus.add(`${op.name} -> ${answer.statusCode}`);
    } else {
      checkSuccess(op, answer, violations);
    }
    // Nothing a request carried may reach Object.prototype (`__proto__` / `constructor.prototype` payloads).
    const probe: Record<string, unknown> = {};
    for (const key of ['polluted', 'isAdmin']) if (key in probe) violations.push(`Object.prototype.${key} was polluted`);
    return violations;
  };
}
