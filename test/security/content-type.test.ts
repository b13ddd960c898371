// Finding 6 (part): a JSON-only route answers another content type with 415, not 422; a request
// without a body is never refused for its content type.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { contractorPayload } from '../helpers/factories.ts';

describe('content types', async () => {
  const t = await buildTestApp();
  const admin = await t.auth('admin');

  it('answers 415 on JSON-only routes for CSV, NDJSON, plain text or no type at all', async () => {
    const body = JSON.stringify(contractorPayload());
    for (const [url, method] of [['/v1/contractors', 'POST'], ['/v1/opds', 'POST'], ['/v1/disbursements', 'POST'], ['/v1/memberships/search', 'POST']] as const) {
      for (const type of ['text/csv', 'application/x-ndjson', 'text/plain', 'application/xml']) {
        const res = await t.app.inject({ method, url, headers: { ...admin, 'content-type': type, 'idempotency-key': 'k1' }, payload: body });
        expect(res.statusCode, `${url} ${type}: ${res.body}`).toBe(415);
        expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    }
    const ok = await t.app.inject({ method: 'POST', url: '/v1/contractors', headers: { ...admin, 'content-type': 'application/json; charset=utf-8' }, payload: body });
    expect(ok.statusCode).toBe(201);
  });

  it('still takes CSV and NDJSON where the route lists them, and never refuses a request without a body', async () => {
    const csv = await t.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: { ...admin, 'content-type': 'text/csv' },
      payload: 'nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf\n' });
    expect(csv.statusCode, csv.body).not.toBe(415);
    const noBody = await t.app.inject({ method: 'DELETE', url: '/v1/projects/00000000-0000-4000-8000-000000000000/workers/00000000-0000-4000-8000-000000000000',
      headers: { ...admin, 'content-type': 'text/csv' } });
    expect(noBody.statusCode).toBe(404);
  });

  it('answers 401, not 415, to a caller without a token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/contractors', headers: { 'content-type': 'text/csv' }, payload: 'a,b\n' });
    expect(res.statusCode).toBe(401);
  });
});
