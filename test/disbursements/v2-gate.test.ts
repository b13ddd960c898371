// Issue 9's problem list, each as a request a client makes: version 1 (POLICY_VERSION=1, the same
// database) decides it wrongly, version 2 (the default) rightly. Roster edits, corrections, patches
// and imports go through the HTTP surface; only BPJS's records are seeded as an import would leave them.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { query } from '../helpers/fixtures.ts';
import {
  V1, clock, insertCoveredWorker, insertProject, insertWorker, type ProjectFixture,
} from './fixtures.ts';

type Body = { decision: string; reasons: Array<{ code: string; workers?: Array<{ nik: string }> }>; summary: Record<string, number>; policy: { version: number } };

describe('policy version 2 through the API', async () => {
  const t = await buildTestApp({ clock });
  const v1 = await buildTestApp({ clock, env: V1, testKeys: t.testKeys });
  const admin = await t.auth('admin');
  let keys = 0;
  const decide = async (app: typeof t, projectId: string, over: Record<string, unknown> = {}) => {
    const res = await app.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...admin, 'idempotency-key': `v2-${++keys}` },
      payload: { projectId, stage: 'TERMIN_1', amount: 100_000_000, requestRef: `SPM-${keys}`, ...over },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Body;
  };
  const codes = (b: Body) => b.reasons.map((r) => r.code);
  const put = (projectId: string, workers: unknown[]) =>
    t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers`, headers: admin, payload: { workers } });
  const rosterRow = (w: { nik: string; name: string; kpj: string }, over: Record<string, unknown> = {}) =>
    ({ nik: w.nik, name: w.name, kpj: w.kpj, role: 'TUKANG', startDate: '2025-07-01', ...over });

  it('an endDate rewritten into the past does not hide a worker whose coverage lapsed while working', async () => {
    const project = await insertProject(t.database);
    const a = await insertCoveredWorker(t.database, project);
    // B's coverage ended ten days ago; B kept working (open-ended on the roster until today).
    const b = await insertCoveredWorker(t.database, project, {}, { coverageEnd: '2025-09-05' });
    expect(codes(await decide(t, project.id, { stage: 'TERMIN_1' }))).toEqual(['COVERAGE_LAPSED']);

    // The OPD "ends" B twelve days ago, on a day B was still covered.
    expect((await put(project.id, [rosterRow(a), rosterRow(b, { endDate: '2025-09-03' })])).statusCode).toBe(200);
    const old = await decide(v1, project.id, { stage: 'TERMIN_2' });
    expect(old).toMatchObject({ decision: 'APPROVED', policy: { version: 1 } });
    const now = await decide(t, project.id, { stage: 'TERMIN_3' });
    expect(now).toMatchObject({ decision: 'BLOCKED', policy: { version: 2 } });
    expect(codes(now)).toEqual(['COVERAGE_LAPSED']);
  });

  it('a startDate moved to tomorrow keeps an inactive worker checked', async () => {
    const project = await insertProject(t.database);
    const a = await insertCoveredWorker(t.database, project);
    const b = await insertCoveredWorker(t.database, project, {}, { status: 'INACTIVE' });
    expect((await put(project.id, [rosterRow(a), rosterRow(b, { startDate: '2025-09-16' })])).statusCode).toBe(200);
    expect((await decide(v1, project.id)).decision).toBe('APPROVED');
    const now = await decide(t, project.id, { stage: 'TERMIN_2' });
    expect(codes(now)).toEqual(['MEMBERSHIP_INACTIVE']);
    expect(now.reasons[0]?.workers?.map((w) => w.nik)).toEqual([b.nik]);
  });

  it('never approves beyond the contract value, and a patched-down contractValue needs an addendum', async () => {
    const project = await insertProject(t.database);
    await insertCoveredWorker(t.database, project);
    expect((await decide(t, project.id, { stage: 'UANG_MUKA', amount: 200_000_000 })).decision).toBe('APPROVED');
    const patch = (body: Record<string, unknown>) =>
      t.app.inject({ method: 'PATCH', url: `/v1/projects/${project.id}`, headers: admin, payload: body });
    const refused = await patch({ contractValue: 1 });
    expect(refused.statusCode).toBe(422);
    expect((await patch({ contractValue: 300_000_000, addendumRef: 'ADD-01/SPK/2025' })).statusCode).toBe(200);
    // 200,000,000 approved + 900,000,000 > 300,000,000: the final payment is blocked, whatever was typed as paid.
    expect((await patch({ bpjsPremiumPaid: 99_000_000 })).statusCode).toBe(200);
    const final = await decide(t, project.id, { stage: 'PELUNASAN', amount: 900_000_000, final: true });
    expect(final.decision).toBe('BLOCKED');
    expect(codes(final)).toContain('AMOUNT_EXCEEDS_CONTRACT');
    // Version 1 compares nothing with the contract.
    expect(codes(await decide(v1, project.id, { stage: 'PELUNASAN', amount: 900_000_000, final: true }))).not.toContain('AMOUNT_EXCEEDS_CONTRACT');
  });

  it('lets the advance through before work starts, and still blocks an empty roster at a stage', async () => {
    const project = await insertProject(t.database);
    expect(codes(await decide(v1, project.id, { stage: 'UANG_MUKA' }))).toEqual(['EMPTY_ROSTER']);
    const advance = await decide(t, project.id, { stage: 'UANG_MUKA' });
    expect(advance).toMatchObject({ decision: 'APPROVED', reasons: [] });
    expect(codes(await decide(t, project.id, { stage: 'TERMIN_1' }))).toEqual(['EMPTY_ROSTER']);
  });

  it('counts a person who left and came back once', async () => {
    const project = await insertProject(t.database);
    const w = await insertCoveredWorker(t.database, project, { startDate: '2025-07-01', endDate: '2025-07-31', removed: true });
    await insertWorker(t.database, project.id, { nik: w.nik, name: w.name, kpj: w.kpj, startDate: '2025-08-15' });
    const old = await decide(v1, project.id);
    expect(old.summary).toMatchObject({ workersChecked: 2 });
    const now = await decide(t, project.id, { stage: 'TERMIN_2' });
    expect(now).toMatchObject({ decision: 'APPROVED', summary: { workersChecked: 1 } });
  });

  it('says only PROJECT_NOT_REGISTERED when the registration number is missing', async () => {
    const project = await insertProject(t.database, { registration: null, premiumPaid: 0 });
    // The workers hold Jakon coverage of the registration the project should carry.
    const fake: ProjectFixture = { ...project, registration: '123456789012' };
    await insertCoveredWorker(t.database, fake);
    await insertCoveredWorker(t.database, fake);
    expect(codes(await decide(v1, project.id))).toEqual(['PROJECT_NOT_REGISTERED', 'OTHER_PROJECT_COVERAGE', 'PREMIUM_SHORTFALL']);
    expect(codes(await decide(t, project.id, { stage: 'TERMIN_2' }))).toEqual(['PROJECT_NOT_REGISTERED']);
  });

  it('judges typed registration digits against BPJS\'s record in snapshot mode', async () => {
    // Any twelve digits pass version 1; version 2 needs an imported, fresh record of them.
    const typed = await insertProject(t.database, { registrationRecord: null });
    await insertCoveredWorker(t.database, typed);
    expect((await decide(v1, typed.id)).decision).toBe('APPROVED');
    const unknown = await decide(t, typed.id, { stage: 'TERMIN_2' });
    expect(unknown).toMatchObject({ decision: 'BLOCKED' });
    expect(codes(unknown)).toEqual(['PROJECT_UNVERIFIED']);

    const registering = await insertProject(t.database, { registrationRecord: { status: 'MENDAFTAR' } });
    await insertCoveredWorker(t.database, registering);
    expect(codes(await decide(t, registering.id))).toEqual(['PROJECT_NOT_REGISTERED']);

    const old = await insertProject(t.database, { registrationRecord: { asOf: new Date('2025-09-10T00:00:00Z') } });
    await insertCoveredWorker(t.database, old);
    expect(codes(await decide(t, old.id))).toEqual(['PROJECT_UNVERIFIED']);
  });

  it('judges the registration BPJS\'s imported record gives, fresh; an old record is unverified', async () => {
    const project = await insertProject(t.database, { registrationRecord: null });
    await insertCoveredWorker(t.database, project);
    const importRecord = async (asOf: string) => {
      const res = await t.app.inject({
        method: 'POST', url: '/v1/registrations/import', headers: admin,
        payload: { records: [{ projectNumber: project.registration, status: 'PESERTA', premiumPaid: 1_750_000, asOf }] },
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    expect(codes(await decide(t, project.id, { stage: 'TERMIN_1' }))).toEqual(['PROJECT_UNVERIFIED']);
    await importRecord('2025-09-10T00:00:00Z'); // older than MEMBERSHIP_MAX_AGE_HOURS at the test's now
    expect(codes(await decide(t, project.id, { stage: 'TERMIN_2' }))).toEqual(['PROJECT_UNVERIFIED']);
    await importRecord('2025-09-15T00:00:00Z');
    expect(await decide(t, project.id, { stage: 'TERMIN_3' })).toMatchObject({ decision: 'APPROVED', reasons: [] });
  });

  it('uses BPJS\'s required and paid premium, not the figure typed on the project', async () => {
    // The OPD typed the full premium; BPJS has 500,000 paid of 2,000,000 required.
    const project = await insertProject(t.database, { premiumPaid: 1_750_000, registrationRecord: { premiumPaid: 500_000, premiumRequired: 2_000_000 } });
    await insertCoveredWorker(t.database, project);
    expect((await decide(v1, project.id)).decision).toBe('APPROVED');
    const now = await decide(t, project.id, { stage: 'TERMIN_2' });
    expect(codes(now)).toEqual(['PREMIUM_SHORTFALL', 'PREMIUM_FIGURE_MISMATCH']);
    const compliance = await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/compliance`, headers: admin });
    expect(compliance.json().premium).toMatchObject({
      required: { total: 2_000_000, source: 'BPJS' },
      computed: { total: 1_750_000 },
    });
  });

  it('counts 30 days of late start in working days', async () => {
    // Started Tuesday 1 July 2025; covered from Monday 11 August: 41 calendar days, 29 working days later.
    const project = await insertProject(t.database);
    await insertCoveredWorker(t.database, project, {}, { coverageStart: '2025-08-11' });
    expect(codes(await decide(v1, project.id))).toEqual(['COVERAGE_STARTED_LATE']);
    expect(await decide(t, project.id, { stage: 'TERMIN_2' })).toMatchObject({ decision: 'APPROVED', reasons: [] });
  });

  it('reads a yearly BPU renewal as continuous coverage, not a late start', async () => {
    const project = await insertProject(t.database);
    const w = await insertWorker(t.database, project.id, { startDate: '2025-07-01' });
    const record = (over: Record<string, unknown>) => ({
      nik: w.nik, kpj: w.kpj, name: w.name, status: 'ACTIVE', programs: ['JKK', 'JKM'], segment: 'BPU', ...over,
    });
    const imported = async (r: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: admin, payload: { records: [record(r)] } });
      expect(res.statusCode, res.body).toBe(200);
    };
    await imported({ coverageStart: '2024-09-01', coverageEnd: '2025-08-31', asOf: '2025-08-01T00:00:00Z' });
    await imported({ coverageStart: '2025-09-01', coverageEnd: '2026-08-31', asOf: '2025-09-15T00:00:00Z' });
    expect(codes(await decide(v1, project.id))).toEqual(['COVERAGE_STARTED_LATE']);
    // Covered only by their own BPU: met, but flagged.
    expect(codes(await decide(t, project.id, { stage: 'TERMIN_2' }))).toEqual(['SELF_PAID_COVERAGE']);
  });

  it('shows a correction that took a worker out of the check, and replays each decision under its own version', async () => {
    const project = await insertProject(t.database);
    await insertCoveredWorker(t.database, project);
    const b = await insertCoveredWorker(t.database, project, {}, { coverageEnd: '2025-09-05' });
    const correction = await t.app.inject({
      method: 'POST', url: `/v1/projects/${project.id}/workers/${b.assignmentId}/corrections`, headers: admin,
      payload: { endDate: '2025-09-04', reason: 'Berhenti 4 September menurut absensi mandor' },
    });
    expect(correction.statusCode, correction.body).toBe(201);
    const now = await decide(t, project.id);
    expect(now.decision).toBe('APPROVED');
    expect(codes(now)).toEqual(['ROSTER_CORRECTED']);
    expect(now.reasons[0]?.workers?.map((w) => w.nik)).toEqual([b.nik]);
    const old = await decide(v1, project.id, { stage: 'TERMIN_2' });

    // Stored under its version; replayed under it, whatever this deployment's POLICY_VERSION is.
    const [first, second] = await query<{ id: string; policy_version: number }>(t.database,
      `select id, policy_version from disbursements where project_id = '${project.id}' order by decided_at, policy_version desc`);
    expect([first?.policy_version, second?.policy_version].sort()).toEqual([1, 2]);
    for (const app of [t, v1]) {
      for (const row of [first, second]) {
        const replay = await app.app.inject({ method: 'GET', url: `/v1/disbursements/${row?.id}/replay`, headers: admin });
        expect(replay.json(), replay.body).toMatchObject({ matches: true, evidenceIntact: true, policy: { version: row?.policy_version } });
      }
    }
    expect(old.policy.version).toBe(1);
    // The evidence names the recorded span and every coverage considered.
    const read = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${(await query<{ id: string }>(t.database, `select id from disbursements where project_id = '${project.id}' and policy_version = 2`))[0]?.id}`, headers: admin });
    const evidence = read.json().evidence as Array<Record<string, unknown>>;
    // B ended on 4 September, inside the period: still checked, judged on that day (covered until the 5th).
    expect(evidence.map((e) => e.assignmentId).sort()).toEqual([...(await query<{ id: string }>(t.database, `select id from assignments where project_id = '${project.id}'`)).map((r) => r.id)].sort());
    expect(evidence.find((e) => e.assignmentId === b.assignmentId)).toMatchObject({
      assignment: { endDate: '2025-09-04', reportedEndDate: null }, outcome: 'COMPLIANT',
      coverages: [expect.objectContaining({ segment: 'JAKON', coverageEnd: '2025-09-05', fresh: true })],
    });
    expect(read.json().registration).toMatchObject({ corrections: [expect.objectContaining({ assignmentId: b.assignmentId })] });
  });
});
