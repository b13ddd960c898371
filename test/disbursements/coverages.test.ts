// Several coverages per NIK (contract 2.2) reach the decision: version 1 judges each worker on the
// coverage that fits the project best (2.4's first paragraph), and the roster shows them all.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { V1, clock, decisionBody, insertMembership, insertProject, insertWorker, type ProjectFixture, type WorkerFixture } from './fixtures.ts';

interface Reason { code: string; workers?: Array<{ nik: string }> }

describe('a worker holding several coverages', async () => {
  const t = await buildTestApp({ clock, env: V1 });
  let keys = 0;
  const decide = async (project: { id: string }) =>
    t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('admin')), 'idempotency-key': `coverages-${++keys}` }, payload: decisionBody(project) });
  const roster = async (project: ProjectFixture) =>
    (await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/workers`, headers: await t.auth('admin') })).json().items as Array<{
      nik: string; membership: { projectNumber: string | null; segment: string; employerNpp: string | null } | null;
      coverages: Array<{ projectNumber: string | null; segment: string }>;
    }>;
  const itemOf = async (project: ProjectFixture, w: WorkerFixture) => (await roster(project)).find((i) => i.nik === w.nik);

  it('is approved on the Jakon registration of this project, though another project\'s changed later', async () => {
    const project = await insertProject(t.database);
    const other = await insertProject(t.database);
    const w = await insertWorker(t.database, project.id);
    await insertMembership(t.database, w, project, { asOf: new Date('2025-09-14T20:00:00Z') });
    await insertMembership(t.database, w, other, { asOf: new Date('2025-09-15T00:00:00Z') });
    const res = await decide(project);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ decision: 'APPROVED', reasons: [], summary: { workersChecked: 1, compliant: 1 } });
    const item = await itemOf(project, w);
    expect(item?.membership).toMatchObject({ segment: 'JAKON', projectNumber: project.registration });
    expect(item?.coverages.map((c) => c.projectNumber).sort()).toEqual([project.registration, other.registration].sort());
    // Seen from the other project, the same person fits that one.
    const onOther = await insertWorker(t.database, other.id, { nik: w.nik, name: w.name, kpj: w.kpj });
    expect((await itemOf(other, onOther))?.membership).toMatchObject({ projectNumber: other.registration });
  });

  it('is judged on a fresh fitting coverage when another one is stale, and is unverified when only the stale one fits', async () => {
    const project = await insertProject(t.database);
    const freshBpu = await insertWorker(t.database, project.id);
    await insertMembership(t.database, freshBpu, project, { asOf: new Date('2025-09-01T00:00:00Z') });
    await insertMembership(t.database, freshBpu, project, { segment: 'BPU', projectNumber: null });
    const staleOnly = await insertWorker(t.database, project.id);
    await insertMembership(t.database, staleOnly, project, { asOf: new Date('2025-09-01T00:00:00Z') });
    const res = await decide(project);
    expect(res.statusCode).toBe(201);
    const d = res.json();
    expect(d.summary).toMatchObject({ workersChecked: 2, compliant: 1, unverified: 1 });
    const unverified = (d.reasons as Reason[]).find((r) => r.code === 'MEMBERSHIP_UNVERIFIED');
    expect(unverified?.workers?.map((x) => x.nik)).toEqual([staleOnly.nik]);
  });

  it('is blocked as before when no coverage fits, with the fitting-closest one\'s code', async () => {
    const project = await insertProject(t.database);
    const w = await insertWorker(t.database, project.id);
    await insertMembership(t.database, w, project, { projectNumber: '999999999999' });
    await insertMembership(t.database, w, project, { segment: 'PU', projectNumber: null, employerNpp: '87654321', status: 'INACTIVE' });
    const res = await decide(project);
    expect(res.statusCode).toBe(201);
    const d = res.json();
    expect(d.decision).toBe('BLOCKED');
    // Both misfit; the active Jakon one has fewer blocking codes of its own, so it is the one judged.
    expect((d.reasons as Reason[]).map((r) => r.code)).toEqual(['OTHER_PROJECT_COVERAGE']);
    expect((await itemOf(project, w))?.coverages).toHaveLength(2);
  });
});
