// With BPJS_PROVIDER=http the project's registration and premium are BPJS's, fetched from the
// simulator: a project BPJS does not know, or knows only as MENDAFTAR, is not registered, and the
// premium paid is BPJS's figure, not the one recorded on the project.
import { beforeEach, describe, expect, it } from 'vitest';
import { insertWorker, query, type ProjectFixture } from '../disbursements/fixtures.ts';
import { buildLiveApp, participantOf, reasonCodes, registrationOf, insertProject } from './live-app.ts';

describe('the registration and premium as BPJS knows them', async () => {
  const live = await buildLiveApp({ BPJS_DEADLINE_MS: '1500', BPJS_TIMEOUT_MS: '500' });
  const { t, upstream } = live;
  const stats = () => upstream.sim.simulator.stats;

  /** A project whose worker BPJS knows as covered by it; its registration as `bpjs` says (absent: unknown). */
  async function project(o: Parameters<typeof insertProject>[1] = {}, bpjs?: Parameters<typeof registrationOf>[1]): Promise<ProjectFixture> {
    const p = await insertProject(t.database, o);
    const worker = await insertWorker(t.database, p.id);
    // Without a registration number no Jakon membership can name the project: the worker is then BPU.
    const member = o.registration === null ? participantOf(worker, p, { segment: 'BPU', projectNumber: null }) : participantOf(worker, p);
    upstream.sim.simulator.putData({ participants: [member], ...(bpjs ? { projects: [registrationOf(p, bpjs)] } : {}) });
    return p;
  }

  beforeEach(() => {
    upstream.reset();
    live.fresh();
  });

  it('blocks a project BPJS does not know (PROJECT_NOT_REGISTERED, not retryable), whatever its own record says', async () => {
    const p = await project({ premiumPaid: 1_750_000 });
    const { res } = await live.decide(p);
    expect(res.statusCode).toBe(201);
    expect(res.json().decision).toBe('BLOCKED');
    expect(res.json().reasons[0]).toMatchObject({ code: 'PROJECT_NOT_REGISTERED', retryable: false });
    // Policy v2, change 8: while the registration is not found the premium is not judged; one reason says what to fix.
    expect(reasonCodes(res.json())).toEqual(['PROJECT_NOT_REGISTERED']);
    expect(stats().calls).toEqual({ participants: 1, projects: 1 });
    const [row] = await query<{ found: boolean }>(t.database, `select found from project_registrations where registration_number = '${p.registration}'`);
    expect(row?.found).toBe(false);
  });

  it('blocks a project BPJS knows only as MENDAFTAR (premium not yet paid)', async () => {
    const p = await project({}, { status: 'MENDAFTAR', premiumPaid: 0 });
    const { res } = await live.decide(p);
    expect(res.json().decision).toBe('BLOCKED');
    // Change 8: not PESERTA yet, so the premium is not judged.
    expect(reasonCodes(res.json())).toEqual(['PROJECT_NOT_REGISTERED']);
  });

  it('blocks MENDAFTAR even when BPJS records enough premium, and approves once BPJS says PESERTA', async () => {
    const p = await project({}, { status: 'MENDAFTAR', premiumPaid: 1_750_000 });
    expect(reasonCodes((await live.decide(p)).res.json())).toEqual(['PROJECT_NOT_REGISTERED']);
    upstream.sim.simulator.putData({ projects: [registrationOf(p)] });
    // BPJS's answer is fresh (MEMBERSHIP_MAX_AGE_HOURS) and so is not asked again until it ages:
    // age it, as a day passing would.
    await query(t.database, `update project_registrations set verified_at = verified_at - interval '25 hours' where registration_number = '${p.registration}'`);
    const { res } = await live.decide(p);
    expect(res.json().decision).toBe('APPROVED');
  });

  it('blocks a project without a registration number without asking BPJS about it', async () => {
    const p = await project({ registration: null });
    const { res } = await live.decide(p);
    // The worker is covered by their own BPU membership only: met, but flagged (change 5).
    expect(reasonCodes(res.json())).toEqual(['PROJECT_NOT_REGISTERED', 'SELF_PAID_COVERAGE']);
    expect(stats().calls).toEqual({ participants: 1, projects: 0 });
  });

  it('judges the premium on what BPJS received, not on the project\'s recorded figure', async () => {
    // The project records the whole premium (1,750,000); BPJS has received 800,000 (< half, 875,000).
    const underpaid = await project({ premiumPaid: 1_750_000 }, { premiumPaid: 800_000 });
    const res = (await live.decide(underpaid)).res.json();
    expect(res.decision).toBe('BLOCKED');
    expect(reasonCodes(res)).toEqual(['PREMIUM_SHORTFALL']);
    expect(res.reasons[0].message).toContain('Rp800.000');

    // And the other way: nothing recorded on the project, BPJS has the half a non-final payment needs.
    const paid = await project({ premiumPaid: 0 }, { premiumPaid: 875_000 });
    expect((await live.decide(paid)).res.json().decision).toBe('APPROVED');
    // The last payment needs all of it.
    const final = (await live.decide(paid, { stage: 'PELUNASAN' })).res.json();
    expect(reasonCodes(final)).toEqual(['PREMIUM_SHORTFALL']);

    // The compliance dry run shows the same (BPJS's) figure.
    const dry = await t.app.inject({ method: 'GET', url: `/v1/projects/${underpaid.id}/compliance`, headers: await t.auth('admin') });
    expect(dry.json().premium).toMatchObject({ paid: 800_000, shortfall: 75_000 });
  });
});
