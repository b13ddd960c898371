import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderOpenApi } from '../src/openapi-document.ts';
import { buildTestApp } from './helpers/app.ts';
import { isPublicPath, operationsOf, type OpenApiDocument } from './helpers/openapi-routes.ts';

const committedFile = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

/** `GET /v1/x` names of the operations in a document, for a readable drift message. */
const operationNames = (doc: OpenApiDocument) => operationsOf(doc).map((o) => o.name);

describe('OpenAPI document', async () => {
  const t = await buildTestApp();
  const served = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  const rendered = await renderOpenApi();
  const doc = JSON.parse(rendered) as OpenApiDocument;
  const operations = operationsOf(doc);

  it('is served at /openapi.json, without a token, as OpenAPI 3.1.0', () => {
    expect(served.statusCode, served.body).toBe(200);
    expect(served.headers['content-type']).toMatch(/^application\/json/);
    expect(served.json().openapi).toBe('3.1.0');
  });

  it('is the document `npm run openapi` renders', () => {
    expect(served.json()).toEqual(doc);
  });

  it('matches the committed openapi/openapi.json (else run `npm run openapi` and commit the file)', () => {
    const committed = readFileSync(committedFile, 'utf8');
    if (committed === rendered) return;
    const before = new Set(operationNames(JSON.parse(committed) as OpenApiDocument));
    const now = new Set(operationNames(doc));
    const added = [...now].filter((n) => !before.has(n));
    const removed = [...before].filter((n) => !now.has(n));
    expect.fail(
      [
        'openapi/openapi.json differs from the code: run `npm run openapi` and commit the file.',
        added.length ? `  operations not in the committed file: ${added.join(', ')}` : '',
        removed.length ? `  operations no longer in the code: ${removed.join(', ')}` : '',
        !added.length && !removed.length ? '  (same operations; schemas, texts or responses changed)' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  });

  it('serves Swagger UI at /docs, without a token, on the same document', async () => {
    const ui = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    expect(ui.body).toMatch(/swagger-ui/i);
    const json = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual(doc);
  });

  it('gives every operation a unique operationId, tags and a summary', () => {
    const ids = operations.map((o) => o.operation.operationId);
    for (const { name, operation } of operations) {
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(operation.tags?.length, name).toBeGreaterThan(0);
      expect(operation.summary?.trim().length, name).toBeGreaterThan(0);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares on every operation the error responses it can give, as problem details', () => {
    const missing: string[] = [];
    for (const { name, path, operation } of operations) {
      const declared = new Set(Object.keys(operation.responses ?? {}));
      const params = operation.parameters ?? [];
      const expected = new Set<string>();
      // Any token problem is 401; a token without a known role is 403 on every protected route.
      if (!isPublicPath(path)) ['401', '403'].forEach((s) => expected.add(s));
      if (params.some((p) => p.in === 'path')) ['404', '422'].forEach((s) => expected.add(s));
      if (params.some((p) => p.in === 'query')) expected.add('422');
      if (operation.requestBody) ['400', '413', '415', '422'].forEach((s) => expected.add(s));
      for (const status of expected) if (!declared.has(status)) missing.push(`${name}: ${status}`);
      expect([...declared].some((s) => /^2\d\d$/.test(s)), `${name} declares a success response`).toBe(true);
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (!/^[45]\d\d$/.test(status) || isPublicPath(path)) continue;
        const schemas = Object.values(response.content ?? {}).map((c) => JSON.stringify(c.schema));
        expect(schemas.length, `${name} ${status} has a body schema`).toBeGreaterThan(0);
        for (const schema of schemas) expect(schema, `${name} ${status}`).toContain('#/components/schemas/Problem');
      }
    }
    expect(missing, 'undeclared error responses').toEqual([]);
  });

  it('documents bearer security on every protected operation', () => {
    for (const { name, path, operation } of operations) {
      if (isPublicPath(path)) continue;
      // No operation-level `security` inherits the document's bearer requirement.
      const security = operation.security ?? (doc as unknown as { security: unknown[] }).security;
      expect(security, name).toEqual([{ bearer: [] }]);
    }
  });

  it('has no NIK in any path or query parameter (personal data stays out of URLs)', () => {
    for (const { name, path, operation } of operations) {
      expect(path, name).not.toMatch(/nik/i);
      for (const p of operation.parameters ?? []) if (p.in === 'path' || p.in === 'query') expect(p.name, name).not.toMatch(/^niks?$/i);
    }
  });
});
