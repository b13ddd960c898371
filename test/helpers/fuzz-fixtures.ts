import type { TestApp } from './app.ts';
import { createContractor, createProject, uniqueCode } from './factories.ts';
import { nik } from './fixtures.ts';
import type { Fixtures } from './fuzz-hints.ts';
import type { FuzzOperation } from './fuzz-requests.ts';

// A few rows for the fuzzer to aim at, created through the API, so that a share of the generated
// requests reach past "not found" into the routes' real work. Features still being built may refuse
// a step: each optional step is skipped (and reported in `skipped`) rather than failing the suite.

export interface FuzzFixtures extends Fixtures {
  skipped: string[];
}

export async function createFuzzFixtures(t: TestApp, operations: FuzzOperation[]): Promise<FuzzFixtures> {
  const skipped: string[] = [];
  const contractor = await createContractor(t);
  await createContractor(t); // a second one, so a page of one has a next cursor
  const own = await createProject(t, { contractorId: contractor.id, code: uniqueCode('FUZZ'), bpjsRegistrationNumber: '990000000001' });
  const other = await createProject(t, { contractorId: contractor.id, code: uniqueCode('FUZZ'), opdCode: 'DINKES' });
  const pools: Record<string, string[]> = { contractors: [contractor.id], projects: [own.id, other.id], workers: [], disbursements: [] };

  const optional = async (what: string, send: () => Promise<{ statusCode: number; body: string; json(): unknown }>, accept: (body: Record<string, unknown>) => void) => {
    try {
      const res = await send();
      if (res.statusCode >= 200 && res.statusCode < 300) accept(res.json() as Record<string, unknown>);
      else skipped.push(`${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    } catch (err) {
      skipped.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const admin = await t.auth('admin');
  const worker = { nik: nik(1), name: 'Budi Santoso', kpj: '12345678901', role: 'TUKANG', startDate: '2025-03-01' };
  await optional(
    'add a worker',
    () => t.app.inject({ method: 'POST', url: `/v1/projects/${own.id}/workers`, headers: admin, payload: worker }),
    (body) => typeof body.assignmentId === 'string' && pools.workers?.push(body.assignmentId),
  );
  await optional(
    'import a membership',
    () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/memberships/import',
        headers: admin,
        payload: {
          records: [
            {
              nik: worker.nik, kpj: worker.kpj, name: worker.name, status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2025-01-01',
              coverageEnd: '2027-12-31', segment: 'JAKON', projectNumber: '990000000001', asOf: '2026-01-14T00:00:00Z',
            },
          ],
        },
      }),
    () => {},
  );
  const finance = await t.auth('finance');
  for (const stage of ['UANG_MUKA', 'TERMIN_1']) {
    await optional(
      `request a decision for ${stage}`,
      () =>
        t.app.inject({
          method: 'POST',
          url: '/v1/disbursements',
          headers: { ...finance, 'idempotency-key': `fuzz-fixture-${stage}` },
          payload: { projectId: own.id, stage, amount: 1_000_000, requestRef: `SPM/FUZZ/${stage}` },
        }),
      (body) => typeof body.id === 'string' && pools.disbursements?.push(body.id),
    );
  }
  // A real cursor from every list that pages, so generated requests can ask for a second page.
  for (const op of operations) {
    if (op.method !== 'GET' || op.pathParams.length > 0 || !op.queryParams.some((p) => p.name === 'cursor')) continue;
    await optional(`page ${op.path}`, () => t.app.inject({ url: `${op.path}?limit=1`, headers: admin }), (body) => {
      if (typeof body.nextCursor === 'string') pools[`cursor:${op.path}`] = [body.nextCursor];
    });
  }
  return { pools, projectCodes: [String(own.code), String(other.code)], opdCodes: ['DPUPR', 'DINKES'], skipped };
}
