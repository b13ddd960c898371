// Every reason code of policy v1 through POST /v1/disbursements, with the workers each names.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import {
  V1, clock, compliantProject, decisionBody, insertCoveredWorker, insertMembership, insertProject, insertWorker, TODAY,
  type WorkerFixture,
} from './fixtures.ts';

interface Reason { code: string; severity: string; retryable: boolean; message: string; workers?: Array<{ nik: string; name?: string }> }

describe('POST /v1/disbursements: reasons', async () => {
  const t = await buildTestApp({ clock, env: V1 });
  let keys = 0;
  const decide = async (body: Record<string, unknown>, role: 'admin' | 'finance' = 'admin', headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth(role)), 'idempotency-key': `reasons-${++keys}`, ...headers }, payload: body });
  const reason = (reasons: Reason[], code: string) => reasons.find((r) => r.code === code);
  const named = (reasons: Reason[], code: string) => reason(reasons, code)?.workers?.map((w) => w.nik).sort();
  const niks = (...workers: WorkerFixture[]) => workers.map((w) => w.nik).sort();

  it('approves a compliant project and records the decision with its audit event', async () => {
    const { project, workers } = await compliantProject(t.database, 3);
    const res = await decide(decisionBody(project, { amount: 300_000_000, requestRef: 'SPM-001/DPUPR/2025' }));
    expect(res.statusCode).toBe(201);
    const d = res.json();
    expect(d).toMatchObject({
      projectId: project.id, projectCode: project.code, stage: 'TERMIN_1', amount: 300_000_000, requestRef: 'SPM-001/DPUPR/2025',
      final: false, decision: 'APPROVED', reasons: [],
      summary: { workersChecked: 3, compliant: 3, nonCompliant: 0, unverified: 0 },
      policy: { id: 'perwali-palembang-3-2025', version: 1 },
      period: { from: '2025-07-01', to: TODAY }, valueDate: TODAY, decidedAt: '2025-09-15T03:00:00.000Z', voided: null,
    });
    expect(d.auditSeq).toBeGreaterThan(0);
    const [event] = (await t.database.db.execute(`select action, entity_id, data from audit_events where seq = ${d.auditSeq}` as never) as unknown as { rows: Array<{ action: string; entity_id: string; data: Record<string, unknown> }> }).rows;
    expect(event).toMatchObject({ action: 'disbursement.decided', entity_id: d.id });
    expect(event!.data).toMatchObject({ projectId: project.id, stage: 'TERMIN_1', amount: 300_000_000, requestRef: 'SPM-001/DPUPR/2025', decision: 'APPROVED', reasons: [], policy: { id: 'perwali-palembang-3-2025', version: 1 } });
    expect(event!.data.evidenceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event!.data)).not.toContain(workers[0]!.nik);
  });

  it('names the workers behind each worker code, counts each worker once, and pseudonymises them in the audit log', async () => {
    const project = await insertProject(t.database);
    const ok = await insertCoveredWorker(t.database, project);
    const notFound = await insertCoveredWorker(t.database, project, {}, { found: false });
    const inactive = await insertCoveredWorker(t.database, project, {}, { status: 'INACTIVE' });
    const programMissing = await insertCoveredWorker(t.database, project, {}, { programs: ['JKK', 'JHT'] });
    const lapsed = await insertCoveredWorker(t.database, project, {}, { coverageEnd: '2025-09-10' });
    const otherProject = await insertCoveredWorker(t.database, project, {}, { projectNumber: '999999999999' });
    const otherEmployer = await insertCoveredWorker(t.database, project, {}, { segment: 'PU', projectNumber: null, employerNpp: '87654321' });
    const ownEmployer = await insertCoveredWorker(t.database, project, {}, { segment: 'PU', projectNumber: null, employerNpp: '12345678' });
    const bpu = await insertCoveredWorker(t.database, project, {}, { segment: 'BPU', projectNumber: null });
    const kpjMismatch = await insertCoveredWorker(t.database, project, {}, { kpj: '29999999999' });
    const stale = await insertCoveredWorker(t.database, project, {}, { asOf: new Date('2025-09-13T00:00:00Z') });
    const neverImported = await insertWorker(t.database, project.id);
    const expiring = await insertCoveredWorker(t.database, project, {}, { coverageEnd: '2025-09-29' });
    const late = await insertCoveredWorker(t.database, project, {}, { coverageStart: '2025-08-15' });
    // Two codes on one worker: inactive and lapsed.
    const twoCodes = await insertCoveredWorker(t.database, project, {}, { status: 'INACTIVE', coverageEnd: '2025-09-01' });

    const res = await decide(decisionBody(project));
    expect(res.statusCode).toBe(201);
    const d = res.json();
    expect(d.decision).toBe('BLOCKED');
    const reasons: Reason[] = d.reasons;
    expect(reasons.map((r) => r.code)).toEqual([
      'WORKER_NOT_FOUND', 'MEMBERSHIP_INACTIVE', 'PROGRAM_MISSING', 'COVERAGE_LAPSED', 'OTHER_PROJECT_COVERAGE',
      'OTHER_EMPLOYER_COVERAGE', 'KPJ_MISMATCH', 'MEMBERSHIP_UNVERIFIED', 'COVERAGE_EXPIRING_SOON', 'COVERAGE_STARTED_LATE',
    ]);
    expect(named(reasons, 'WORKER_NOT_FOUND')).toEqual(niks(notFound));
    expect(named(reasons, 'MEMBERSHIP_INACTIVE')).toEqual(niks(inactive, twoCodes));
    expect(named(reasons, 'PROGRAM_MISSING')).toEqual(niks(programMissing));
    expect(named(reasons, 'COVERAGE_LAPSED')).toEqual(niks(lapsed, twoCodes));
    expect(named(reasons, 'OTHER_PROJECT_COVERAGE')).toEqual(niks(otherProject));
    expect(named(reasons, 'OTHER_EMPLOYER_COVERAGE')).toEqual(niks(otherEmployer));
    expect(named(reasons, 'KPJ_MISMATCH')).toEqual(niks(kpjMismatch));
    // Snapshot provider: a stale record and a NIK never imported are unverified, not "not found".
    expect(named(reasons, 'MEMBERSHIP_UNVERIFIED')).toEqual(niks(stale, neverImported));
    expect(named(reasons, 'COVERAGE_EXPIRING_SOON')).toEqual(niks(expiring));
    expect(named(reasons, 'COVERAGE_STARTED_LATE')).toEqual(niks(late));
    for (const r of reasons) {
      const warn = r.code === 'COVERAGE_EXPIRING_SOON' || r.code === 'COVERAGE_STARTED_LATE';
      expect(r.severity).toBe(warn ? 'warn' : 'block');
      expect(r.retryable).toBe(r.code === 'MEMBERSHIP_UNVERIFIED');
      expect(r.message.length).toBeGreaterThan(10);
    }
    expect(reason(reasons, 'WORKER_NOT_FOUND')!.workers![0]).toEqual({ nik: notFound.nik, name: notFound.name });
    expect(reason(reasons, 'WORKER_NOT_FOUND')!.message).toBe('1 pekerja tidak terdaftar di BPJS Ketenagakerjaan.');
    // ok, ownEmployer, bpu, expiring, late are compliant (warnings do not block).
    expect(d.summary).toEqual({ workersChecked: 15, compliant: 5, nonCompliant: 8, unverified: 2 });
    void ok; void ownEmployer; void bpu;

    const [event] = (await t.database.db.execute(`select data from audit_events where entity_id = '${d.id}'` as never) as unknown as { rows: Array<{ data: { reasons: Array<{ code: string; workers?: string[] }> } }> }).rows;
    const audited = event!.data.reasons.find((r) => r.code === 'WORKER_NOT_FOUND');
    expect(audited!.workers).toHaveLength(1);
    expect(audited!.workers![0]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event!.data)).not.toContain(notFound.nik);
    expect(JSON.stringify(event!.data)).not.toContain(notFound.name);
  });

  it('answers finance with masked NIKs and no names, and in English on request', async () => {
    const project = await insertProject(t.database);
    const w = await insertCoveredWorker(t.database, project, {}, { status: 'INACTIVE' });
    const res = await decide(decisionBody(project), 'finance', { 'accept-language': 'en' });
    expect(res.statusCode).toBe(201);
    const r = reason(res.json().reasons, 'MEMBERSHIP_INACTIVE')!;
    expect(r.workers).toEqual([{ nik: `${w.nik.slice(0, 6)}******${w.nik.slice(12)}` }]);
    expect(r.message).toBe('1 worker does not have an active membership.');
    expect(res.body).not.toContain(w.nik);
    expect(res.body).not.toContain(w.name);
  });

  it('checks workers who left during the period, but not those who left before it', async () => {
    const project = await insertProject(t.database);
    await insertCoveredWorker(t.database, project);
    // UANG_MUKA approved today: the next request, valued 15 Oct, covers 15 Sep .. 15 Oct.
    expect((await decide(decisionBody(project, { stage: 'UANG_MUKA' }))).json().decision).toBe('APPROVED');
    const leftBefore = await insertWorker(t.database, project.id, { startDate: '2025-07-01', endDate: '2025-09-14' });
    const leftUninsured = await insertWorker(t.database, project.id, { startDate: '2025-07-01', endDate: '2025-10-01' });
    await insertMembership(t.database, leftUninsured, project, { coverageEnd: '2025-09-30' });
    const res = await decide(decisionBody(project, { stage: 'TERMIN_1', valueDate: '2025-10-15' }));
    const d = res.json();
    expect(d.period).toEqual({ from: TODAY, to: '2025-10-15' });
    expect(d.summary.workersChecked).toBe(2);
    expect(named(d.reasons, 'COVERAGE_LAPSED')).toEqual([leftUninsured.nik]);
    expect(JSON.stringify(d)).not.toContain(leftBefore.nik);
  });

  it('blocks an unregistered project and an empty roster without naming workers', async () => {
    const unregistered = await insertProject(t.database, { registration: null });
    await insertCoveredWorker(t.database, unregistered, {}, { segment: 'BPU', projectNumber: null });
    const a = await decide(decisionBody(unregistered));
    expect(a.json().decision).toBe('BLOCKED');
    expect(a.json().reasons).toEqual([expect.objectContaining({ code: 'PROJECT_NOT_REGISTERED', severity: 'block', retryable: false })]);
    expect(a.json().reasons[0].workers).toBeUndefined();

    const empty = await insertProject(t.database);
    const b = await decide(decisionBody(empty));
    expect(b.json()).toMatchObject({ decision: 'BLOCKED', summary: { workersChecked: 0, compliant: 0, nonCompliant: 0, unverified: 0 } });
    expect(b.json().reasons.map((r: Reason) => r.code)).toEqual(['EMPTY_ROSTER']);
  });

  it('blocks a stage already approved, and a second RETENSI, and allows another stage', async () => {
    const { project } = await compliantProject(t.database, 1);
    expect((await decide(decisionBody(project, { stage: 'TERMIN_2' }))).json().decision).toBe('APPROVED');
    const again = await decide(decisionBody(project, { stage: 'TERMIN_2' }));
    expect(again.statusCode).toBe(201);
    expect(again.json().decision).toBe('BLOCKED');
    expect(again.json().reasons).toEqual([expect.objectContaining({ code: 'STAGE_ALREADY_APPROVED', retryable: false })]);
    expect(again.json().reasons[0].message).toContain('TERMIN_2');
    expect((await decide(decisionBody(project, { stage: 'TERMIN_3' }))).json().decision).toBe('APPROVED');
  });

  it('blocks a premium shortfall: half before the last payment, all of it for the last', async () => {
    // Required total 1,750,000: 875,000 before the last payment.
    const half = await compliantProject(t.database, 1, { premiumPaid: 874_999 });
    const a = (await decide(decisionBody(half.project))).json();
    expect(a.decision).toBe('BLOCKED');
    expect(a.reasons).toEqual([expect.objectContaining({ code: 'PREMIUM_SHORTFALL', severity: 'block', retryable: false })]);
    expect(a.reasons[0].message).toContain('Rp874.999');
    expect(a.reasons[0].message).toContain('Rp875.000');

    const enough = await compliantProject(t.database, 1, { premiumPaid: 875_000 });
    expect((await decide(decisionBody(enough.project))).json().decision).toBe('APPROVED');
    // PELUNASAN is always the last payment, whatever `final` says.
    const last = (await decide(decisionBody(enough.project, { stage: 'PELUNASAN', final: false }))).json();
    expect(last).toMatchObject({ decision: 'BLOCKED', final: true });
    expect(last.reasons.map((r: Reason) => r.code)).toEqual(['PREMIUM_SHORTFALL']);
    const finalTermin = (await decide(decisionBody(enough.project, { stage: 'TERMIN_9', final: true }))).json();
    expect(finalTermin.reasons.map((r: Reason) => r.code)).toEqual(['PREMIUM_SHORTFALL']);
  });

  it('approves with warnings only', async () => {
    const project = await insertProject(t.database);
    const w = await insertCoveredWorker(t.database, project, {}, { coverageEnd: TODAY });
    const d = (await decide(decisionBody(project))).json();
    expect(d.decision).toBe('APPROVED');
    expect(d.reasons).toEqual([expect.objectContaining({ code: 'COVERAGE_EXPIRING_SOON', severity: 'warn', workers: [{ nik: w.nik, name: w.name }] })]);
  });

  it('takes the project by code, a later value date, and defaults final', async () => {
    const { project } = await compliantProject(t.database, 1);
    const res = await decide({ projectCode: project.code, stage: 'UANG_MUKA', amount: 0, requestRef: 'SPP 12/UM', valueDate: '2025-09-20' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ projectId: project.id, valueDate: '2025-09-20', final: false, decision: 'APPROVED', period: { from: '2025-07-01', to: '2025-09-20' } });
  });
});
