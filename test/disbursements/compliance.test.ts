// GET /v1/projects/{id}/compliance: the gate's dry run from stored data, and the roster cache
// following every change of the roster and memberships.
import { describe, expect, it } from 'vitest';
import type { MembershipProvider } from '../../src/memberships/provider.ts';
import { buildTestApp } from '../helpers/app.ts';
import {
  V1, clock, compliantProject, decisionBody, fakeHttpProvider, insertCoveredWorker, insertProject, insertWorker, query, TODAY, writeCounts,
} from './fixtures.ts';

describe('GET /v1/projects/{id}/compliance', async () => {
  let providerCalls = 0;
  const counting: MembershipProvider = fakeHttpProvider({
    refreshMemberships: async (niks) => { providerCalls++; return { refreshed: [], notFound: [], failed: [...niks] }; },
    refreshRegistrations: async (numbers) => { providerCalls++; return { refreshed: [], notFound: [], failed: [...numbers] }; },
  });
  const t = await buildTestApp({ clock, env: V1 });
  const live = await buildTestApp({ clock, env: V1, provider: counting, testKeys: t.testKeys });
  const check = async (projectId: string, q = '', role: 'finance' | 'opd' | 'inspector' | 'admin' = 'opd', o: { opd?: string } = {}, app = t.app) =>
    app.inject({ method: 'GET', url: `/v1/projects/${projectId}/compliance${q}`, headers: await t.auth(role, o) });

  it('answers what the gate would decide, with the premium and coverage figures', async () => {
    const project = await insertProject(t.database, { premiumPaid: 500_000 });
    const ok = await insertCoveredWorker(t.database, project, { name: 'Ahmad Fauzi' });
    const expiring = await insertCoveredWorker(t.database, project, { name: 'Siti Aminah' }, { coverageEnd: '2025-09-25', asOf: new Date('2025-09-15T02:00:00Z') });
    const res = await check(project.id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      projectId: project.id, stage: null, valueDate: TODAY, final: false, decision: 'BLOCKED',
      reasons: [
        expect.objectContaining({ code: 'PREMIUM_SHORTFALL', severity: 'block' }),
        expect.objectContaining({ code: 'COVERAGE_EXPIRING_SOON', severity: 'warn', workers: [{ nik: expiring.nik, name: 'Siti Aminah' }] }),
      ],
      summary: { workersChecked: 2, compliant: 2, nonCompliant: 0, unverified: 0 },
      period: { from: '2025-07-01', to: TODAY },
      policy: { id: 'perwali-palembang-3-2025', version: 1 },
      premium: {
        required: { total: 1_750_000, source: 'COMPUTED', jkk: 1_540_000, jkm: 210_000 },
        computed: { jkk: 1_540_000, jkm: 210_000, total: 1_750_000 },
        requiredForPayment: 875_000, paid: 500_000, shortfall: 375_000 },
      expiringSoon: [{ nik: expiring.nik, name: 'Siti Aminah', coverageEnd: '2025-09-25' }],
      lastVerifiedAt: '2025-09-15T02:00:00.000Z',
    });
    void ok;
    const last = (await check(project.id, '?final=true&valueDate=2025-10-01')).json();
    expect(last).toMatchObject({ final: true, valueDate: '2025-10-01', premium: { requiredForPayment: 1_750_000, shortfall: 1_250_000 }, expiringSoon: [] });
    expect(last.reasons.map((r: { code: string }) => r.code)).toEqual(['COVERAGE_LAPSED', 'PREMIUM_SHORTFALL']);
  });

  it('skips the already-approved check without a stage, and applies it with one', async () => {
    const { project } = await compliantProject(t.database, 1);
    const approved = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('finance')), 'idempotency-key': 'cmp-1' }, payload: decisionBody(project, { stage: 'TERMIN_1' }) });
    expect(approved.json().decision).toBe('APPROVED');
    expect((await check(project.id)).json().decision).toBe('APPROVED');
    expect((await check(project.id, '?stage=TERMIN_2')).json().decision).toBe('APPROVED');
    const same = (await check(project.id, '?stage=TERMIN_1')).json();
    expect(same.decision).toBe('BLOCKED');
    expect(same.reasons.map((r: { code: string }) => r.code)).toEqual(['STAGE_ALREADY_APPROVED']);
    // The approval on today bounds the next period.
    expect(same.period).toEqual({ from: TODAY, to: TODAY });
  });

  it('records nothing and never calls the provider, even with stale data', async () => {
    const project = await insertProject(live.database, { registrationRecord: null });
    await insertCoveredWorker(live.database, project, {}, { asOf: new Date('2025-09-01T00:00:00Z') });
    const before = await writeCounts(live.database);
    for (let i = 0; i < 3; i++) {
      const res = await check(project.id, '?stage=TERMIN_1', 'admin', {}, live.app);
      expect(res.statusCode).toBe(200);
      expect(res.json().reasons.map((r: { code: string }) => r.code)).toEqual(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);
      expect(res.json().premium.paid).toBeNull();
    }
    expect(providerCalls).toBe(0);
    expect(await writeCounts(live.database)).toEqual(before);
  });

  it('is visible to the OPD, inspector, admin and finance (masked); another OPD gets 404', async () => {
    const project = await insertProject(t.database);
    const w = await insertCoveredWorker(t.database, project, { name: 'Joko Susilo' }, { coverageEnd: '2025-09-20' });
    const finance = await check(project.id, '', 'finance');
    expect(finance.statusCode).toBe(200);
    expect(finance.json().expiringSoon).toEqual([{ nik: `${w.nik.slice(0, 6)}******${w.nik.slice(12)}`, coverageEnd: '2025-09-20' }]);
    expect(finance.body).not.toContain(w.nik);
    expect(finance.body).not.toContain('Joko');
    expect((await check(project.id, '', 'inspector')).body).toContain(w.nik);
    expect((await check(project.id, '', 'admin')).statusCode).toBe(200);
    expect((await check(project.id, '', 'opd', { opd: 'DINKES' })).statusCode).toBe(404);
    expect((await check('00000000-0000-4000-8000-000000000000', '', 'admin')).statusCode).toBe(404);
    expect((await check(project.id, '?stage=TERMIN_01', 'admin')).statusCode).toBe(422);
    expect((await check(project.id, '?valueDate=2025-13-01', 'admin')).statusCode).toBe(422);
    expect((await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/compliance` })).statusCode).toBe(401);
  });

  it('follows every change to the roster and memberships (the cached roster is never stale)', async () => {
    const { project, workers } = await compliantProject(t.database, 2);
    const codes = async () => (await check(project.id)).json().reasons.map((r: { code: string }) => r.code);
    const checked = async () => (await check(project.id)).json().summary.workersChecked;
    expect(await codes()).toEqual([]);
    await query(t.database, `update memberships set status = 'INACTIVE' where nik = '${workers[0]!.nik}'`);
    expect(await codes()).toEqual(['MEMBERSHIP_INACTIVE']);
    await query(t.database, `update memberships set status = 'ACTIVE' where nik = '${workers[0]!.nik}'`);
    expect(await codes()).toEqual([]);
    const added = await insertWorker(t.database, project.id);
    expect(await checked()).toBe(3);
    expect(await codes()).toEqual(['MEMBERSHIP_UNVERIFIED']);
    await query(t.database, `update assignments set end_date = '2025-06-30', start_date = '2025-06-01' where id = '${added.assignmentId}'`);
    expect(await checked()).toBe(2);
    await query(t.database, `delete from memberships where nik = '${workers[1]!.nik}'`);
    expect(await codes()).toEqual(['MEMBERSHIP_UNVERIFIED']);
    await query(t.database, `update contractors set bpjs_employer_number = '99999999' where id = '${project.contractorId}'`);
    await query(t.database, `insert into memberships (nik, found, kpj, status, programs, coverage_start, coverage_end, segment, employer_npp, as_of, source)
      values ('${workers[1]!.nik}', true, '${workers[1]!.kpj}', 'ACTIVE', '{JKK,JKM}', '2025-07-01', '2026-06-30', 'PU', '12345678', '2025-09-15T00:00:00Z', 'import')`);
    expect(await codes()).toEqual(['OTHER_EMPLOYER_COVERAGE']);
  });
});
