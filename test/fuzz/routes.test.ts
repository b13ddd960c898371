import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { JSON_BODY_LIMIT, LARGE_JSON_BODY_LIMIT } from '../../src/http/body-limits.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createResponseChecker, type Notes } from '../helpers/fuzz-check.ts';
import { createFuzzFixtures } from '../helpers/fuzz-fixtures.ts';
import { domainHint } from '../helpers/fuzz-hints.ts';
import { describeRequest, render } from '../helpers/fuzz-render.ts';
import { collectionOf, fuzzOperations, requestArbitrary, ROLES, type FuzzOperation, type RequestSpec, type Role } from '../helpers/fuzz-requests.ts';

// Issue 6, item 3: every operation of the app's own OpenAPI document is driven with generated
// valid and hostile requests (bodies, params, queries, headers) by every role. Whatever the input:
// never a 5xx, every error is problem+json with a matching status and an UPPER_SNAKE code, every
// success matches its documented schema with no undocumented key, and x-request-id is present.
//
// Seeded and bounded: FUZZ_SEED (default below) and FUZZ_RUNS (per operation) make a run
// repeatable; FUZZ_OP="POST /v1/projects" runs one operation; FUZZ_REPORT=1 prints the statuses
// each operation answered (and the error statuses it does not document). A failure prints the
// seed, the fast-check path, the shrunk request and how to replay it.

const BASE_SEED = Number(process.env.FUZZ_SEED ?? 20_250_601);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
/** Per operation; generation and shrinking stop here (a found failure is still reported). */
const TIME_LIMIT_MS = Number(process.env.FUZZ_OP_MS ?? 8_000);
const ONLY = process.env.FUZZ_OP;
/** The app's clock: generated calendar dates (2024-2027) fall on both sides of it. */
const FUZZ_NOW = '2026-01-15T03:00:00Z';

/** A stable per-operation seed, so adding a route does not change the inputs of the others. */
const seedFor = (name: string) => {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return (BASE_SEED ^ h) | 0;
};

const mediaType = (v: unknown) => String(v ?? '').split(';')[0]?.trim().toLowerCase();

describe('fuzzing every operation of the OpenAPI document', async () => {
  // The rate limit is not what this suite probes: a 429 would hide the routes behind it. A fixed
  // clock keeps "today" (and so which generated dates are in the past) the same on every run.
  const t = await buildTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1000000' }, clock: () => new Date(FUZZ_NOW) });
  const docResponse = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  if (docResponse.statusCode !== 200) throw new Error(`GET /openapi.json answered ${docResponse.statusCode}`);
  const doc = docResponse.json() as { paths: Record<string, Record<string, unknown>> };
  const all = fuzzOperations(doc);
  const operations = ONLY ? all.filter((op) => op.name === ONLY) : all;
  const fixtures = await createFuzzFixtures(t, all);
  const limits = { json: JSON_BODY_LIMIT, largeJson: LARGE_JSON_BODY_LIMIT };
  const tokens: Record<Role, string | undefined> = {
    admin: await t.token('admin'),
    opd: await t.token('opd', { opd: 'DPUPR' }),
    'opd-other': await t.token('opd', { opd: 'DISHUB', sub: 'opd-dishub' }),
    finance: await t.token('finance'),
    inspector: await t.token('inspector'),
    none: undefined,
  };
  const check = createResponseChecker(doc);
  const notes: Notes = { undeclaredStatus: new Set() };
  const seen = new Map<string, Map<number, number>>();

  afterAll(() => {
    const lines = [...seen].map(([name, statuses]) => `  ${name}: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}x${n}`).join(' ')}`);
    const extra = [
      fixtures.skipped.length > 0 ? `fixtures skipped:\n  ${fixtures.skipped.join('\n  ')}` : '',
      notes.undeclaredStatus.size > 0 ? `error statuses answered but not documented:\n  ${[...notes.undeclaredStatus].sort().join('\n  ')}` : '',
    ].filter(Boolean);
    if (process.env.FUZZ_REPORT) console.info(`fuzz (seed ${BASE_SEED}, ${RUNS} runs per operation)\n${lines.join('\n')}\n${extra.join('\n')}`);
  });

  /** The operation's path with the first fixture of each parameter's collection filled in. */
  const pathOf = (o: FuzzOperation) => o.path.replace(/\{([^}]+)\}/g, (_m, p: string) => fixtures.pools[collectionOf(o.path, p) ?? '']?.[0] ?? '00000000-0000-4000-8000-000000000000');

  /** The properties beyond the response checker: body limits hold at their boundary. */
  function limitViolations(spec: RequestSpec, rendered: ReturnType<typeof render>, status: number): string[] {
    if (rendered.payload === undefined || mediaType(rendered.headers['content-type']) !== 'application/json') return [];
    const bytes = Buffer.byteLength(rendered.payload);
    if (bytes <= limits.json && status === 413) return [`413 for a ${bytes}-byte JSON body (limit ${limits.json})`];
    if (bytes > limits.largeJson && spec.kind !== 'odd-path' && ![401, 403, 413].includes(status)) return [`${status} for a ${bytes}-byte JSON body, over every JSON limit (expected 413)`];
    return [];
  }

  async function send(op: FuzzOperation, spec: RequestSpec): Promise<void> {
    const rendered = render(op, spec, fixtures, tokens);
    const res = await t.app.inject({ method: rendered.method as 'GET', url: rendered.url, headers: rendered.headers, ...(rendered.payload !== undefined ? { payload: rendered.payload } : {}) });
    const statuses = seen.get(op.name) ?? new Map<number, number>();
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    seen.set(op.name, statuses);
    // FUZZ_DEBUG=1 shows why "valid" requests were refused, to tune the hints in fuzz-hints.ts.
    if (process.env.FUZZ_DEBUG && spec.kind === 'valid' && res.statusCode === 422) console.info(op.name, spec.role, res.body.slice(0, 400));
    const violations = [...check(op, rendered, res, notes), ...limitViolations(spec, rendered, res.statusCode)];
    if (violations.length > 0) {
      const body = res.body.length > 800 ? `${res.body.slice(0, 800)}...` : res.body;
      throw new Error(`${violations.join('\n')}\nrequest (${spec.kind}, role ${spec.role}): ${describeRequest(rendered)}\nanswered ${res.statusCode} ${String(res.headers['content-type'])}: ${body}`);
    }
  }

  // The contract's limits: 8 MiB for the routes that also take CSV/NDJSON (roster replacement,
  // membership import), 1 MiB for every other JSON body. Exactly at the limit passes the size check.
  const withJsonBody = operations.filter((op) => op.body && 'application/json' in op.body);
  it.each(withJsonBody.map((op) => [op.name, op] as const))('%s: a JSON body of exactly its limit is read, one byte more is 413', async (_name, op) => {
    const limit = Object.keys(op.body ?? {}).some((type) => type !== 'application/json') ? limits.largeJson : limits.json;
    for (const bytes of [limit, limit + 1]) {
      const payload = `{"padding":"${'A'.repeat(bytes - '{"padding":""}'.length)}"}`;
      expect(Buffer.byteLength(payload)).toBe(bytes);
      const request = { method: op.method, url: pathOf(op), headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json', 'idempotency-key': `limit-${bytes}` }, payload };
      const res = await t.app.inject({ ...request, method: op.method as 'POST' });
      const described = `${op.name} with ${bytes} bytes answered ${res.statusCode}: ${res.body.slice(0, 300)}`;
      expect(check(op, request, res, notes), described).toEqual([]);
      if (bytes > limit) expect(res.statusCode, described).toBe(413);
      else expect(res.statusCode, described).not.toBe(413);
    }
  });

  /** The roles an operation lets through authorisation: whatever does not answer 403 to a bare request. */
  async function allowedRoles(op: FuzzOperation): Promise<Role[]> {
    const allowed: Role[] = [];
    for (const role of ROLES) {
      const res = await t.app.inject({ method: op.method as 'GET', url: pathOf(op), headers: { authorization: `Bearer ${tokens[role]}` } });
      if (res.statusCode !== 403) allowed.push(role);
    }
    return allowed;
  }

  // Inputs that once answered 500 or plain JSON; each case keeps its fix in place.
  describe('regressions found by fuzzing', () => {
    const send = async (method: 'GET' | 'POST' | 'PUT', url: string, contentType?: string, payload?: string) =>
      t.app.inject({ method, url, headers: { authorization: `Bearer ${tokens.admin}`, 'x-request-id': 'fuzz-regression', ...(contentType ? { 'content-type': contentType } : {}) }, ...(payload !== undefined ? { payload } : {}) });
    const projectId = () => fixtures.pools.projects?.[0] ?? '';

    it.each([
      ['bad percent-encoding in a path', () => send('GET', '/v1/projects/%E0%A4%A'), 400, 'MALFORMED_URL'],
      ['a path parameter over the router limit', () => send('GET', `/v1/projects/${'a'.repeat(5000)}`), 414, 'URI_TOO_LONG'],
      ['a NUL in a JSON string', () => send('POST', '/v1/opds', 'application/json', '{"code":"NULCODE","name":"a\\u0000bc"}'), 422, 'VALIDATION_FAILED'],
      ['a NUL in a query string', () => send('GET', '/v1/contractors?q=%00'), 422, 'VALIDATION_FAILED'],
      ['a lone surrogate escape in JSON', () => send('POST', '/v1/opds', 'application/json', '{"code":"SURR","name":"\\ud800xx"}'), 400, 'MALFORMED_BODY'],
      ['a CSV with a quote opening mid-field', () => send('PUT', `/v1/projects/${projectId()}/workers`, 'text/csv', '{"a":1,"a":2}'), 400, 'MALFORMED_BODY'],
    ] as const)('%s is answered %i problem+json', async (_label, request, status, code) => {
      const res = await request();
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['x-request-id']).toBe('fuzz-regression');
      expect(res.json()).toMatchObject({ status, code });
    });

    it('names where the NUL was', async () => {
      const res = await send('POST', '/v1/opds', 'application/json', '{"code":"NULPATH","name":"a\\u0000bc"}');
      expect(res.json().errors).toEqual([{ path: 'name', message: expect.stringMatching(/NUL/) }]);
    });
  });

  it('finds the operations of the document', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
    expect(all.map((o) => o.name)).toEqual(expect.arrayContaining(['GET /v1/opds', 'POST /v1/projects', 'GET /v1/projects/{id}']));
  });

  it.each(operations.map((op) => [op.name, op] as const))('%s holds under generated requests', { timeout: TIME_LIMIT_MS * 4 + 10_000 }, async (name, op) => {
    const seed = seedFor(name);
    const arbitrary = requestArbitrary(op, fixtures, domainHint(fixtures, op.path), limits, await allowedRoles(op));
    const details = await fc.check(fc.asyncProperty(arbitrary, (spec) => send(op, spec)), {
      seed,
      numRuns: RUNS,
      interruptAfterTimeLimit: TIME_LIMIT_MS,
      markInterruptAsFailure: false,
    });
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        [
          `${name} failed after ${details.numRuns} run(s): replay with FUZZ_SEED=${BASE_SEED} FUZZ_OP="${name}" npx vitest run test/fuzz`,
          `(fast-check seed ${details.seed}, path "${details.counterexamplePath ?? ''}", shrunk ${details.numShrinks} time(s))`,
          cause,
          `spec: ${fc.stringify(details.counterexample?.[0]).slice(0, 2000)}`,
        ].join('\n'),
      );
    }
    expect(details.numRuns, `${name}: interrupted after ${details.numRuns} runs`).toBeGreaterThan(0);
  });
});
