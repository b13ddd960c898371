// Contract 2.1: no roster edit silently takes a worker out of a payment's check.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { query } from '../helpers/fixtures.ts';
import { clock, insertCoveredWorker, insertProject, newNik, NOW, TODAY } from '../disbursements/fixtures.ts';

type Worker = Record<string, unknown> & { assignmentId: string; nik: string };

describe('roster integrity: recorded spans, cancellation, re-adding', async () => {
  const t = await buildTestApp({ clock });
  const admin = await t.auth('admin');
  const worker = (nik: string, over: Record<string, unknown> = {}) => ({ nik, name: `Pekerja ${nik.slice(-4)}`, role: 'TUKANG', startDate: '2025-07-01', ...over });
  const put = (projectId: string, workers: unknown[]) =>
    t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers${workers.length === 0 ? '?confirmEmpty=true' : ''}`, headers: admin, payload: { workers } });
  const all = async (projectId: string): Promise<Worker[]> =>
    (await t.app.inject({ method: 'GET', url: `/v1/projects/${projectId}/workers?includeEnded=true`, headers: admin })).json().items;
  const one = async (projectId: string, nik: string) => (await all(projectId)).filter((w) => w.nik === nik);
  let keys = 0;
  const decide = (projectId: string, over: Record<string, unknown> = {}) =>
    t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...admin, 'idempotency-key': `integrity-${++keys}` },
      payload: { projectId, stage: 'TERMIN_1', amount: 100_000_000, requestRef: `SPM-${keys}`, ...over },
    });

  it('records the latest day worked when an edit moves endDate before today, and shows null when never set', async () => {
    const project = await insertProject(t.database);
    const b = newNik();
    expect((await put(project.id, [worker(b)])).statusCode).toBe(200);
    expect((await one(project.id, b))[0]).toMatchObject({ reportedStartDate: null, reportedEndDate: null, cancelled: false });

    // Open-ended until today, then "ended" 12 days ago: the roster had them working until today.
    expect((await put(project.id, [worker(b, { endDate: '2025-09-03' })])).json()).toMatchObject({ updated: 1 });
    expect((await one(project.id, b))[0]).toMatchObject({ endDate: '2025-09-03', reportedEndDate: TODAY });
    // Moving it further back keeps the latest recorded day; moving it to a later day keeps it too.
    await put(project.id, [worker(b, { endDate: '2025-08-01' })]);
    expect((await one(project.id, b))[0]).toMatchObject({ endDate: '2025-08-01', reportedEndDate: TODAY });
  });

  it('records the earliest start when an edit moves a started worker\'s startDate later, not a future one\'s', async () => {
    const project = await insertProject(t.database);
    const started = newNik();
    const future = newNik();
    await put(project.id, [worker(started), worker(future, { startDate: '2025-09-20' })]);
    await put(project.id, [worker(started, { startDate: '2025-09-16' }), worker(future, { startDate: '2025-09-25' })]);
    expect((await one(project.id, started))[0]).toMatchObject({ startDate: '2025-09-16', reportedStartDate: '2025-07-01' });
    expect((await one(project.id, future))[0]).toMatchObject({ startDate: '2025-09-25', reportedStartDate: null });
    await put(project.id, [worker(started, { startDate: '2025-08-01' }), worker(future, { startDate: '2025-09-25' })]);
    expect((await one(project.id, started))[0]).toMatchObject({ startDate: '2025-08-01', reportedStartDate: '2025-07-01' });
    // A worker whose recorded start is past is not cancelled by removal, even if startDate is now tomorrow.
    await put(project.id, [worker(started, { startDate: '2025-09-16' })]);
    await put(project.id, []);
    expect((await one(project.id, started))[0]).toMatchObject({ cancelled: false, endDate: TODAY, removedAt: NOW.toISOString() });
  });

  it('cancels a worker removed before they start (DELETE or left out of a PUT), keeps them in the history, and never counts them', async () => {
    const project = await insertProject(t.database);
    await insertCoveredWorker(t.database, project);
    const viaDelete = newNik();
    const viaPut = newNik();
    await put(project.id, [worker(viaDelete, { startDate: '2025-09-20' }), worker(viaPut, { startDate: '2025-09-22' })]);
    const [first] = await one(project.id, viaDelete);
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/projects/${project.id}/workers/${first!.assignmentId}`, headers: admin });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ cancelled: true, startDate: '2025-09-20', endDate: null, removedAt: NOW.toISOString() });
    expect((await put(project.id, [])).json()).toMatchObject({ removed: 1, total: 0 });
    expect((await one(project.id, viaPut))[0]).toMatchObject({ cancelled: true, endDate: null });
    const history = await query<{ change: string }>(t.database, `select change from assignment_history where assignment_id = '${first!.assignmentId}' order by id`);
    expect(history.map((h) => h.change)).toEqual(['ADDED', 'CANCELLED']);

    // Neither has a membership: were they counted, a request valued after their starts would be blocked.
    const res = await decide(project.id, { valueDate: '2025-09-30' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ decision: 'APPROVED', summary: { workersChecked: 1 } });
  });

  it('lets a removed worker be added again as a new assignment, from the day the previous one ended', async () => {
    const project = await insertProject(t.database);
    const n = newNik();
    const added = await t.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/workers`, headers: admin, payload: worker(n) });
    expect(added.statusCode).toBe(201);
    await t.app.inject({ method: 'DELETE', url: `/v1/projects/${project.id}/workers/${added.json().assignmentId}`, headers: admin });
    const again = await t.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/workers`, headers: admin, payload: worker(n, { startDate: TODAY }) });
    expect(again.statusCode).toBe(201);
    expect(again.json().assignmentId).not.toBe(added.json().assignmentId);
    const both = await one(project.id, n);
    expect(both.map((w) => [w.startDate, w.endDate, w.removedAt === null]).sort()).toEqual([['2025-07-01', TODAY, false], [TODAY, null, true]]);
    // And through a PUT after a removal by PUT.
    await put(project.id, []);
    expect((await put(project.id, [worker(n, { startDate: TODAY })])).json()).toMatchObject({ added: 1 });
    expect(await one(project.id, n)).toHaveLength(3);
  });
});
