// Contract 2.1: corrections of assignments (with a reason, audited) and their list.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { query } from '../helpers/fixtures.ts';
import { clock, insertCoveredWorker, insertProject, insertWorker, NOW, TODAY } from '../disbursements/fixtures.ts';

const REASON = 'Pekerja berhenti 3 September menurut absensi mandor';

describe('roster corrections', async () => {
  const t = await buildTestApp({ clock });
  const admin = await t.auth('admin');
  const dpupr = await t.auth('opd', { opd: 'DPUPR', sub: 'ppk-dpupr' });
  const perkim = await t.auth('opd', { opd: 'PERKIM' });
  const correct = (projectId: string, assignmentId: string, payload: unknown, headers: Record<string, string> = dpupr) =>
    t.app.inject({ method: 'POST', url: `/v1/projects/${projectId}/workers/${assignmentId}/corrections`, headers, payload: payload as object });
  const put = (projectId: string, workers: unknown[]) =>
    t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers`, headers: admin, payload: { workers } });
  const listed = async (projectId: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/projects/${projectId}/workers?includeEnded=true`, headers: admin })).json().items as Array<Record<string, unknown>>;
  const corrections = (qs: string, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'GET', url: `/v1/roster-corrections${qs}`, headers });

  it('takes the corrected dates at once, clears the reported dates, and audits before, after and reason with a pseudonym', async () => {
    const project = await insertProject(t.database);
    const w = await insertWorker(t.database, project.id);
    const row = { nik: w.nik, name: w.name, kpj: w.kpj, role: 'TUKANG', startDate: '2025-07-01' };
    await put(project.id, [{ ...row, endDate: '2025-09-10' }]); // recorded: worked until today
    expect((await listed(project.id))[0]).toMatchObject({ reportedEndDate: TODAY });

    const res = await correct(project.id, w.assignmentId, { endDate: '2025-09-03', reason: REASON });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.any(String), assignmentId: w.assignmentId, reason: REASON, correctedAt: NOW.toISOString(), correctedBy: 'ppk-dpupr',
      before: { startDate: '2025-07-01', endDate: '2025-09-10', reportedStartDate: null, reportedEndDate: TODAY, cancelled: false },
      after: { startDate: '2025-07-01', endDate: '2025-09-03', reportedStartDate: null, reportedEndDate: null, cancelled: false },
    });
    expect((await listed(project.id))[0]).toMatchObject({ endDate: '2025-09-03', reportedEndDate: null, cancelled: false });

    const [event] = await query<{ data: Record<string, unknown>; entity_id: string }>(t.database,
      `select data, entity_id from audit_events where action = 'roster.assignment_corrected' and entity_id = '${w.assignmentId}'`);
    expect(event?.data).toMatchObject({ projectId: project.id, correctionId: body.id, before: body.before, after: body.after, reason: REASON });
    expect(event?.data.worker).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event)).not.toContain(w.nik);
    expect(JSON.stringify(event)).not.toContain(w.name);
    const history = await query<{ change: string }>(t.database, `select change from assignment_history where assignment_id = '${w.assignmentId}' order by id`);
    expect(history.at(-1)?.change).toBe('CORRECTED');
  });

  it('cancels through a correction (never counted again), and refuses to correct a cancelled assignment', async () => {
    const project = await insertProject(t.database);
    await insertCoveredWorker(t.database, project);
    const never = await insertWorker(t.database, project.id); // no membership: would block
    const res = await correct(project.id, never.assignmentId, { cancelled: true, reason: 'Salah input: orang ini tidak pernah bekerja di sini' });
    expect(res.statusCode).toBe(201);
    expect(res.json().after).toMatchObject({ cancelled: true });
    expect((await listed(project.id)).find((x) => x.assignmentId === never.assignmentId)).toMatchObject({ cancelled: true, removedAt: NOW.toISOString() });
    const decision = await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...admin, 'idempotency-key': 'corr-cancel' },
      payload: { projectId: project.id, stage: 'TERMIN_1', amount: 1_000_000, requestRef: 'SPM-C-1' },
    });
    expect(decision.json()).toMatchObject({ decision: 'APPROVED', summary: { workersChecked: 1 } });
    const again = await correct(project.id, never.assignmentId, { startDate: '2025-08-01', reason: 'Koreksi kedua setelah pembatalan' });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ASSIGNMENT_CANCELLED');
  });

  it('validates the body: reason length, at least one change, unknown fields, end before start', async () => {
    const project = await insertProject(t.database);
    const w = await insertWorker(t.database, project.id);
    const cases: Array<[unknown, string]> = [
      [{ endDate: '2025-09-03', reason: 'pendek' }, 'reason'],
      [{ endDate: '2025-09-03', reason: 'x'.repeat(501) }, 'reason'],
      [{ reason: REASON }, 'startDate'],
      [{ endDate: '2025-09-03', reason: REASON, nik: w.nik }, ''],
      [{ cancelled: false, reason: REASON }, 'cancelled'],
      [{ endDate: '2025-06-30', reason: REASON }, 'endDate'],
      [{ endDate: '2025-02-30', reason: REASON }, 'endDate'],
    ];
    for (const [payload, path] of cases) {
      const res = await correct(project.id, w.assignmentId, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { path: string }) => e.path).join(' '), JSON.stringify(payload)).toContain(path);
    }
    const rows = await query(t.database, `select 1 from roster_corrections where assignment_id = '${w.assignmentId}'`);
    expect(rows).toHaveLength(0);
  });

  it('answers 404 for another OPD\'s project or an unknown assignment, and 403 to finance and inspector', async () => {
    const project = await insertProject(t.database);
    const w = await insertWorker(t.database, project.id);
    const other = await insertProject(t.database);
    const body = { endDate: '2025-09-03', reason: REASON };
    expect((await correct(project.id, w.assignmentId, body, perkim)).statusCode).toBe(404);
    expect((await correct(other.id, w.assignmentId, body, admin)).statusCode).toBe(404);
    expect((await correct(project.id, w.assignmentId, body, await t.auth('finance'))).statusCode).toBe(403);
    expect((await correct(project.id, w.assignmentId, body, await t.auth('inspector'))).statusCode).toBe(403);
    expect((await query(t.database, `select 1 from roster_corrections where assignment_id = '${w.assignmentId}'`))).toHaveLength(0);
  });

  it('lists corrections newest first with filters and pages; OPD staff see their own OPD only; finance gets 403', async () => {
    const a = await insertProject(t.database);
    const b = await insertProject(t.database, { opdCode: 'PERKIM' });
    const wa = await insertWorker(t.database, a.id);
    const wb = await insertWorker(t.database, b.id);
    expect((await correct(a.id, wa.assignmentId, { startDate: '2025-07-02', reason: REASON })).statusCode).toBe(201);
    expect((await correct(b.id, wb.assignmentId, { startDate: '2025-07-03', reason: REASON }, perkim)).statusCode).toBe(201);

    const all = await corrections(`?projectId=${a.id}`);
    expect(all.statusCode).toBe(200);
    expect(all.json()).toEqual({
      items: [expect.objectContaining({ projectId: a.id, projectCode: a.code, assignmentId: wa.assignmentId, nik: wa.nik, reason: REASON, correctedBy: 'ppk-dpupr' })],
      nextCursor: null,
    });
    const inspector = (await corrections('?opdCode=PERKIM', await t.auth('inspector'))).json().items as Array<{ projectId: string }>;
    expect(inspector.map((i) => i.projectId)).toContain(b.id);
    expect(inspector.map((i) => i.projectId)).not.toContain(a.id);

    const own = (await corrections('', dpupr)).json().items as Array<{ projectId: string }>;
    expect(own.map((i) => i.projectId)).toContain(a.id);
    expect(own.map((i) => i.projectId)).not.toContain(b.id);
    expect((await corrections('?opdCode=PERKIM', dpupr)).json().items).toEqual([]);
    expect((await corrections('', await t.auth('finance'))).statusCode).toBe(403);

    const first = (await corrections('?limit=1')).json();
    expect(first.items).toHaveLength(1);
    const second = (await corrections(`?limit=1&cursor=${first.nextCursor}`)).json();
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect((await corrections(`?from=${TODAY}&to=${TODAY}&projectId=${b.id}`)).json().items).toHaveLength(1);
    expect((await corrections(`?to=2025-09-14&projectId=${b.id}`)).json().items).toHaveLength(0);
    expect((await corrections('?from=yesterday')).statusCode).toBe(422);
  });
});
