// POST /v1/projects/{id}/verify with BPJS_PROVIDER=http against the simulator: what it refreshes
// (the workers a request valued today would check, and the registration), how it counts, its
// deadline, who may call it, and its answer with the snapshot provider.
import { beforeEach, describe, expect, it } from 'vitest';
import { insertWorker, query, type ProjectFixture, type WorkerFixture } from '../disbursements/fixtures.ts';
import { buildTestApp } from '../helpers/app.ts';
import { buildLiveApp, participantOf, reasonCodes, registrationOf, insertProject } from './live-app.ts';

const DEADLINE_MS = 1000;
const MARGIN_MS = 400;

describe('POST /v1/projects/{id}/verify', async () => {
  const live = await buildLiveApp({ BPJS_DEADLINE_MS: String(DEADLINE_MS), BPJS_TIMEOUT_MS: '400' });
  const { t, upstream } = live;
  const stats = () => upstream.sim.simulator.stats;

  async function verify(project: { id: string }, headers: Record<string, string> = {}) {
    const started = performance.now();
    const res = await t.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/verify`, headers: { ...(await t.auth('opd')), ...headers } });
    return { res, ms: performance.now() - started };
  }

  /** A DPUPR project BPJS knows as PESERTA, with workers BPJS knows as covered by it. */
  async function knownProject(n: number, o: Parameters<typeof insertProject>[1] = {}): Promise<{ project: ProjectFixture; workers: WorkerFixture[] }> {
    const project = await insertProject(t.database, o);
    const workers: WorkerFixture[] = [];
    for (let i = 0; i < n; i++) workers.push(await insertWorker(t.database, project.id));
    upstream.sim.simulator.putData({ participants: workers.map((w) => participantOf(w, project)), projects: [registrationOf(project)] });
    return { project, workers };
  }

  beforeEach(() => {
    upstream.reset();
    live.fresh();
  });

  it('refreshes the registration and every checked worker, fresh or not, and counts workers', async () => {
    const { project, workers } = await knownProject(2);
    const unknown = await insertWorker(t.database, project.id); // BPJS has no membership for this NIK
    const { res, ms } = await verify(project, { 'x-request-id': 'verify-req-1' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      projectId: project.id,
      period: { from: '2025-07-01', to: '2025-09-15' },
      checked: 3, refreshed: 2, notFound: 1, failed: 0,
      registration: { registrationNumber: project.registration, outcome: 'REFRESHED' },
    });
    expect(stats().calls).toEqual({ participants: 1, projects: 1 });
    expect(stats().batchSizes.sort()).toEqual([1, 3]);
    expect(ms).toBeLessThan(DEADLINE_MS);

    const stored = await query<{ nik: string; found: boolean; source: string }>(t.database,
      `select nik, found, source from memberships where nik in ('${workers[0]!.nik}', '${workers[1]!.nik}', '${unknown.nik}') order by nik`);
    expect(stored).toEqual([...workers, unknown].map((w) => ({ nik: w.nik, found: w !== unknown, source: 'upstream' })).sort((a, b) => (a.nik < b.nik ? -1 : 1)));

    // The provider's audit events name the caller and the request; workers only as pseudonyms.
    const events = await query<{ action: string; actor: { sub: string; opd: string | null }; request_id: string; data: Record<string, unknown> }>(t.database,
      `select action, actor, request_id, data from audit_events where request_id = 'verify-req-1' order by seq`);
    expect(events.map((e) => [e.action, e.data.kind, e.actor.sub, e.actor.opd])).toEqual(expect.arrayContaining([
      ['membership.refreshed', 'participants', 'opd-user', 'DPUPR'],
      ['membership.refreshed', 'projects', 'opd-user', 'DPUPR'],
    ]));
    expect(events).toHaveLength(2);
    const text = JSON.stringify(events);
    for (const w of [...workers, unknown]) {
      expect(text).not.toContain(w.nik);
      expect(text).not.toContain(w.name);
    }

    // Asked again at once: everything is fresh, yet verification asks BPJS again (that is its point).
    upstream.reset();
    expect((await verify(project)).res.json()).toMatchObject({ checked: 3, refreshed: 2, notFound: 1, failed: 0 });
    expect(stats().calls).toEqual({ participants: 1, projects: 1 });
  });

  it('checks the workers of the period a request valued today would cover (unvoided approvals, ended workers included)', async () => {
    const { project, workers } = await knownProject(1);
    const left = await insertWorker(t.database, project.id, { endDate: '2025-08-01' });
    await insertWorker(t.database, project.id, { startDate: '2025-10-01' }); // starts after today: not checked
    upstream.sim.simulator.putData({ participants: [participantOf(left, project, { status: 'NONAKTIF' })] });

    expect((await verify(project)).res.json()).toMatchObject({ period: { from: '2025-07-01', to: '2025-09-15' }, checked: 2, refreshed: 2 });

    // An approval valued today: a request today covers today only, and the worker who left is not checked.
    const approved = (await live.decide(project)).res.json();
    expect(approved.decision).toBe('APPROVED');
    upstream.reset();
    expect((await verify(project)).res.json()).toMatchObject({ period: { from: '2025-09-15', to: '2025-09-15' }, checked: 1, refreshed: 1 });
    expect(stats().batchSizes).toEqual([1, 1]); // one worker, one registration
    void workers;

    // Voided, the approval no longer counts: back to the project's start.
    const voided = await t.app.inject({ method: 'POST', url: `/v1/disbursements/${approved.id}/void`, headers: await t.auth('admin'), payload: { reason: 'SP2D ditolak' } });
    expect(voided.statusCode).toBe(200);
    expect((await verify(project)).res.json()).toMatchObject({ period: { from: '2025-07-01', to: '2025-09-15' }, checked: 2 });
  });

  it('counts what BPJS left out of its answer as failed (checked = refreshed + notFound + failed)', async () => {
    // No registration number, so the participants call is the only one and draws the randoms below.
    const project = await insertProject(t.database, { registration: null });
    const workers = [await insertWorker(t.database, project.id), await insertWorker(t.database, project.id), await insertWorker(t.database, project.id)]
      .sort((a, b) => (a.nik < b.nik ? -1 : 1));
    upstream.sim.simulator.putData({ participants: [participantOf(workers[0]!, project, { segment: 'BPU', projectNumber: null })] });
    upstream.reset({ omitRate: 0.5 });
    upstream.queueDraws([0.9, 0.9, 0.1]); // keep the first two NIKs (known, unknown), leave out the third
    const { res } = await verify(project);
    expect(res.json()).toMatchObject({ checked: 3, refreshed: 1, notFound: 1, failed: 1, registration: null });
    expect(stats().calls).toEqual({ participants: 1, projects: 0 });
  });

  it.each([
    ['503 on every call', () => upstream.reset({ errorRate: 1 })],
    ['an upstream that never answers', () => upstream.reset({ timeoutRate: 1 })],
    ['a connection reset', () => upstream.proxy.setMode({ kind: 'reset' })],
  ])('answers within the deadline with everything failed on %s, and changes nothing', async (_name, fault) => {
    const { project, workers } = await knownProject(2);
    fault();
    const { res, ms } = await verify(project);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ checked: 2, refreshed: 0, notFound: 0, failed: 2, registration: { outcome: 'FAILED' } });
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    const [row] = await query<{ n: string }>(t.database, `select count(*)::text as n from memberships where nik in ('${workers[0]!.nik}', '${workers[1]!.nik}')`);
    expect(row?.n).toBe('0');
  });

  it('makes a changed BPJS status count at once: MENDAFTAR, then PESERTA after verification', async () => {
    const { project } = await knownProject(1);
    upstream.sim.simulator.putData({ projects: [registrationOf(project, { status: 'MENDAFTAR', premiumPaid: 0 })] });
    // Policy v2, change 8: not PESERTA, so the premium is not judged.
    expect(reasonCodes((await live.decide(project)).res.json())).toEqual(['PROJECT_NOT_REGISTERED']);

    // BPJS received the premium; the stored answer is still fresh, so only verification asks again.
    upstream.sim.simulator.putData({ projects: [registrationOf(project)] });
    expect((await verify(project)).res.json()).toMatchObject({ registration: { outcome: 'REFRESHED' } });
    upstream.reset();
    const { res } = await live.decide(project);
    expect(res.json().decision).toBe('APPROVED');
    expect(stats().calls).toEqual({ participants: 0, projects: 0 }); // decided on what verification stored
  });

  it('is for the project\'s OPD and admin: another OPD gets 404, finance and inspector 403, no token 401', async () => {
    const { project } = await knownProject(1);
    const post = async (headers: Record<string, string>, id = project.id) =>
      (await t.app.inject({ method: 'POST', url: `/v1/projects/${id}/verify`, headers })).statusCode;
    expect(await post(await t.auth('opd'))).toBe(200);
    expect(await post(await t.auth('admin'))).toBe(200);
    expect(await post(await t.auth('opd', { opd: 'DISHUB' }))).toBe(404);
    expect(await post(await t.auth('finance'))).toBe(403);
    expect(await post(await t.auth('inspector'))).toBe(403);
    expect(await post({})).toBe(401);
    expect(await post(await t.auth('admin'), '00000000-0000-4000-8000-000000000000')).toBe(404);
    expect(await post(await t.auth('admin'), 'not-a-uuid')).toBe(422);

    // Refused callers cause no upstream call.
    upstream.reset();
    await post(await t.auth('opd', { opd: 'DISHUB' }));
    await post(await t.auth('finance'));
    expect(stats().calls).toEqual({ participants: 0, projects: 0 });
  });

  it('answers 409 LIVE_PROVIDER_REQUIRED with the snapshot provider (after the usual 404 scoping)', async () => {
    const snapshot = await buildTestApp({ testKeys: t.testKeys }); // same database, BPJS_PROVIDER=snapshot
    const { project } = await knownProject(1);
    upstream.reset();
    const res = await snapshot.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/verify`, headers: { ...(await snapshot.auth('opd')), 'accept-language': 'en' } });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 409, code: 'LIVE_PROVIDER_REQUIRED', title: 'Live verification needs BPJS_PROVIDER=http' });
    expect(res.json().detail).toMatch(/snapshot/);
    const other = await snapshot.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/verify`, headers: await snapshot.auth('opd', { opd: 'DISHUB' }) });
    expect(other.statusCode).toBe(404);
    expect(stats().calls).toEqual({ participants: 0, projects: 0 });
  });
});
