// A 1,000-worker roster against the simulator: one refresh is exactly 10 participant calls of 100
// (and one registration call), through a decision and through /verify. The times are printed
// with BPJS_MEASURE=1 (npx vitest run test/bpjs/decisions-scale.test.ts).
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { assignments } from '../../src/db/schema/index.ts';
import { query, type ProjectFixture, type WorkerFixture } from '../disbursements/fixtures.ts';
import { makeNiks } from './harness.ts';
import { buildLiveApp, participantOf, registrationOf, insertProject } from './live-app.ts';

const WORKERS = 1000;
const DEADLINE_MS = 6000; // the default
const measured: string[] = [];

describe('refreshing a 1,000-worker roster', async () => {
  const live = await buildLiveApp({ BPJS_DEADLINE_MS: String(DEADLINE_MS) });
  const { t, upstream } = live;
  const stats = () => upstream.sim.simulator.stats;
  let serial = 0;

  /** A project with 1,000 workers (NIKs of its own) that BPJS knows as covered by it. */
  async function bigProject(): Promise<{ project: ProjectFixture; workers: WorkerFixture[] }> {
    const project = await insertProject(t.database);
    const niks = makeNiks(WORKERS, 1 + serial);
    serial += WORKERS;
    const workers = niks.map((nik, i) => ({ assignmentId: '', nik, name: `Pekerja ${serial + i}`, kpj: String(20_000_000_000 + serial + i) }));
    await t.database.db.insert(assignments).values(workers.map((w) => ({
      projectId: project.id, nik: w.nik, name: w.name, kpj: w.kpj, role: 'TUKANG', startDate: '2025-07-01',
    })));
    upstream.sim.simulator.putData({ participants: workers.map((w) => participantOf(w, project)), projects: [registrationOf(project)] });
    return { project, workers };
  }

  beforeEach(() => {
    upstream.reset();
    live.fresh();
  });
  afterAll(() => {
    if (process.env.BPJS_MEASURE) console.info(`1,000-worker refresh against the simulator on 127.0.0.1:\n  ${measured.join('\n  ')}`);
  });

  it.each([0, 50])('refreshes through a decision in 10 participant calls of 100 (simulator latency %i ms)', async (latencyMs) => {
    const { project } = await bigProject();
    upstream.reset({ latencyMs });
    const { res, ms } = await live.decide(project);
    expect(res.statusCode).toBe(201);
    expect(res.json().decision).toBe('APPROVED');
    expect(res.json().summary).toEqual({ workersChecked: WORKERS, compliant: WORKERS, nonCompliant: 0, unverified: 0 });
    expect(stats().calls).toEqual({ participants: 10, projects: 1 });
    expect(stats().batchSizes.filter((n) => n === 100)).toHaveLength(10);
    expect(ms).toBeLessThan(DEADLINE_MS);
    measured.push(`decision (refresh + decide), latency ${latencyMs} ms: ${ms.toFixed(0)} ms`);

    // Fresh now: the next decision asks nothing.
    upstream.reset();
    const again = await live.decide(project, { stage: 'TERMIN_2' });
    expect(again.res.json().decision).toBe('APPROVED');
    expect(stats().calls).toEqual({ participants: 0, projects: 0 });
    measured.push(`decision with everything fresh (no refresh), latency ${latencyMs} ms: ${again.ms.toFixed(0)} ms`);
  });

  it.each([0, 50])('refreshes through /verify in 10 participant calls of 100 (simulator latency %i ms)', async (latencyMs) => {
    const { project } = await bigProject();
    upstream.reset({ latencyMs });
    const started = performance.now();
    const res = await t.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/verify`, headers: await t.auth('admin') });
    const ms = performance.now() - started;
    expect(res.json()).toMatchObject({ checked: WORKERS, refreshed: WORKERS, notFound: 0, failed: 0, registration: { outcome: 'REFRESHED' } });
    expect(stats().calls).toEqual({ participants: 10, projects: 1 });
    expect(ms).toBeLessThan(DEADLINE_MS);
    measured.push(`/verify (first fetch, all rows new), latency ${latencyMs} ms: ${ms.toFixed(0)} ms`);

    // Again: the same answers, so only as_of moves and no history is written.
    upstream.reset({ latencyMs });
    const history = async () => Number((await query<{ n: string }>(t.database, `select count(*)::text as n from membership_history`))[0]?.n);
    const before = await history();
    const started2 = performance.now();
    const again = await t.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/verify`, headers: await t.auth('admin') });
    const ms2 = performance.now() - started2;
    expect(again.json()).toMatchObject({ checked: WORKERS, refreshed: WORKERS });
    expect(stats().calls.participants).toBe(10);
    expect(await history()).toBe(before);
    measured.push(`/verify (unchanged answers), latency ${latencyMs} ms: ${ms2.toFixed(0)} ms`);
  });
});
