// The OpenAPI document's examples (issue 11, item 10): every operation has a request example for
// each body type it takes and a response example for each success it documents; the JSON ones fit
// the document's own schemas; and each request example, sent to the real service, passes its
// validation (so "Try it out" starts from a request the service accepts). Missing or stale
// examples: `npm run openapi:examples` records them again (scripts/openapi-examples.ts).
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { Role } from '../src/http/auth.ts';
import { EXAMPLES } from '../src/http/openapi-examples.ts';
import { renderOpenApi } from '../src/openapi-document.ts';
import { buildTestApp } from './helpers/app.ts';
import { deref, strictSchema } from './helpers/fuzz-schema.ts';
import { operationsOf, type OpenApiDocument } from './helpers/openapi-routes.ts';

interface Media { schema?: unknown; example?: unknown }
type Op = ReturnType<typeof operationsOf>[number]['operation'] & {
  requestBody?: { required?: boolean; content?: Record<string, Media> };
  responses?: Record<string, { content?: Record<string, Media> }>;
};

// 422s about the state of this database, not the request's form: a reference to the recording's
// contractor, a cosignature of the recording's (longer) log.
const STATE_NOT_FORM: Array<[string, RegExp]> = [['contractorId', /^no contractor with id /], ['treeSize', /is beyond the head of the log/]];

describe('OpenAPI examples', async () => {
  const doc = JSON.parse(await renderOpenApi()) as OpenApiDocument;
  const operations = operationsOf(doc).map((o) => ({ ...o, op: o.operation as Op }));
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const fits = (schema: unknown, value: unknown): string[] => {
    const validate = ajv.compile(strictSchema(deref(doc, schema)));
    return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
  // The webhook example's host resolves, here as in the recording, to a public documentation address.
  const t = await buildTestApp({ webhooks: { resolve: async () => [{ address: '198.51.100.20', family: 4 }] } });

  it('has a request example for every body type and a response example for every documented success', () => {
    const missing: string[] = [];
    for (const { name, op } of operations) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) if (media.example === undefined) missing.push(`${name} request ${type}`);
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (!/^2/.test(status)) continue;
        for (const [type, media] of Object.entries(response.content ?? {})) if (media.example === undefined) missing.push(`${name} ${status} ${type}`);
      }
    }
    expect(missing, 'operations without examples: run `npm run openapi:examples` (add the new operation to scripts/openapi-examples.ts)').toEqual([]);
    // Nothing recorded for an operation that no longer exists.
    const ids = new Set(operations.map((o) => o.op.operationId));
    expect(Object.keys(EXAMPLES).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('gives JSON examples that fit their own schemas, requests and responses', () => {
    const broken: string[] = [];
    for (const { name, op } of operations) {
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {})) {
        if (type === 'application/json') broken.push(...fits(media.schema, media.example).map((e) => `${name} request: ${e}`));
      }
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const media = response.content?.['application/json'];
        if (media?.example !== undefined) broken.push(...fits(media.schema, media.example).map((e) => `${name} ${status}: ${e}`));
      }
    }
    expect(broken).toEqual([]);
  });

  it('documents CSV and NDJSON bodies as text, with text examples', () => {
    const textBodies = operations.flatMap(({ name, op }) =>
      Object.entries(op.requestBody?.content ?? {}).filter(([type]) => type !== 'application/json').map(([type, media]) => ({ name, type, media })));
    expect(textBodies.map((b) => `${b.name} ${b.type}`).sort()).toEqual([
      'POST /v1/memberships/import application/x-ndjson', 'POST /v1/memberships/import text/csv',
      'POST /v1/registrations/import application/x-ndjson', 'POST /v1/registrations/import text/csv', 'PUT /v1/projects/{id}/workers text/csv',
    ]);
    for (const { name, type, media } of textBodies) {
      expect(media.schema, `${name} ${type}`).toMatchObject({ type: 'string' });
      expect(typeof media.example, `${name} ${type}`).toBe('string');
    }
    const csv = operations.find((o) => o.op.operationId === 'replaceRoster')?.op.requestBody?.content?.['text/csv']?.example as string;
    expect(csv.split('\n')[0]).toBe('nik,name,kpj,role,startDate,endDate');
  });

  it('marks Idempotency-Key required where the contract requires it', () => {
    const decide = operations.find((o) => o.op.operationId === 'decideDisbursement');
    expect(decide?.op.parameters?.find((p) => p.in === 'header' && p.name === 'idempotency-key')).toMatchObject({ required: true });
    expect((decide?.op as { description?: string }).description).toMatch(/Idempotency-Key/);
    expect((doc as unknown as { info: { description: string } }).info.description).toMatch(/npm run -s token -- --role admin/);
  });

  it('has request examples the service accepts: sent as recorded, none fails validation', async () => {
    const refused: string[] = [];
    for (const { name, method, op } of operations) {
      const recorded = EXAMPLES[op.operationId as string];
      if (!recorded?.request) continue;
      for (const [type, body] of Object.entries(recorded.request)) {
        const role = (recorded.role ?? 'admin') as Role;
        const res = await t.app.inject({
          method, url: recorded.url,
          headers: { ...(await t.auth(role, role === 'witness' ? { sub: 'saksi.unsri.ac.id/gerbang' } : {})), 'content-type': type, 'accept-language': 'en', ...recorded.headers },
          payload: typeof body === 'string' ? body : JSON.stringify(body),
        });
        // The identifiers of the recording do not exist here: 404 and domain refusals are fine, a
        // refusal of the request's form is not.
        const problem = res.statusCode >= 400 ? (res.json() as { code?: string; errors?: Array<{ path: string; message: string }> }) : {};
        const aboutState = (problem.errors ?? []).every((e) => STATE_NOT_FORM.some(([path, message]) => e.path === path && message.test(e.message)));
        if ([400, 413, 415].includes(res.statusCode) || (problem.code === 'VALIDATION_FAILED' && !aboutState)) refused.push(`${name} ${type}: ${res.statusCode} ${res.body.slice(0, 400)}`);
      }
    }
    expect(refused).toEqual([]);
  });
});
