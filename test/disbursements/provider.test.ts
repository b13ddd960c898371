// Decisions with a live provider (BPJS_PROVIDER=http): what is stale is refreshed before the
// transaction, within the deadline; whatever is still stale is unverified.
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import type { MembershipProvider, RefreshOutcome } from '../../src/memberships/provider.ts';
import { buildTestApp } from '../helpers/app.ts';
import { V1, clock, decisionBody, fakeHttpProvider, insertCoveredWorker, insertUnaskedProject as insertProject, insertWorker, NOW, query, type ProjectFixture } from './fixtures.ts';

type Refresh = (items: readonly string[]) => Promise<RefreshOutcome>;

describe('decisions with a live provider', async () => {
  let database: Database | undefined;
  const calls: { memberships: string[][]; registrations: string[][] } = { memberships: [], registrations: [] };
  let onMemberships: Refresh = async (niks) => ({ refreshed: [], notFound: [], failed: [...niks] });
  let onRegistrations: Refresh = async (numbers) => ({ refreshed: [], notFound: [], failed: [...numbers] });
  const provider: MembershipProvider = fakeHttpProvider({
    refreshMemberships: async (niks) => { calls.memberships.push([...niks].sort()); return onMemberships(niks); },
    refreshRegistrations: async (numbers) => { calls.registrations.push([...numbers]); return onRegistrations(numbers); },
  });
  const t = await buildTestApp({ clock, provider, env: { ...V1, BPJS_DEADLINE_MS: '300' } });
  database = t.database;
  let keys = 0;
  const decide = async (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('admin')), 'idempotency-key': `p-${++keys}` }, payload });
  const codes = (res: { json(): { reasons: Array<{ code: string }> } }) => res.json().reasons.map((r) => r.code);
  const reset = () => {
    calls.memberships = [];
    calls.registrations = [];
    onMemberships = async (niks) => ({ refreshed: [], notFound: [], failed: [...niks] });
    onRegistrations = async (numbers) => ({ refreshed: [], notFound: [], failed: [...numbers] });
  };
  const registration = (project: ProjectFixture, o: { found?: boolean; status?: string | null; premiumPaid?: number; verifiedAt?: string } = {}) =>
    query(t.database, `insert into project_registrations (registration_number, found, status, premium_paid, verified_at)
      values ('${project.registration}', ${o.found ?? true}, ${o.status === null ? 'null' : `'${o.status ?? 'PESERTA'}'`}, ${o.premiumPaid ?? 1_750_000}, '${o.verifiedAt ?? NOW.toISOString()}')
      on conflict (registration_number) do update set found = excluded.found, status = excluded.status, premium_paid = excluded.premium_paid, verified_at = excluded.verified_at`);

  it('refreshes only what is stale, then decides on the fresh data', async () => {
    reset();
    const project = await insertProject(t.database);
    const fresh = await insertCoveredWorker(t.database, project);
    const stale = await insertCoveredWorker(t.database, project, {}, { asOf: new Date('2025-09-10T00:00:00Z') });
    // A dry run first, so the roster (with the stale row) is cached before the refresh.
    await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/compliance`, headers: await t.auth('admin') });
    onMemberships = async (niks) => {
      await query(database!, `update memberships set as_of = '${NOW.toISOString()}' where nik in (${niks.map((n) => `'${n}'`).join(',')})`);
      return { refreshed: [...niks], notFound: [], failed: [] };
    };
    onRegistrations = async (numbers) => {
      await registration(project);
      return { refreshed: [...numbers], notFound: [], failed: [] };
    };
    const res = await decide(decisionBody(project));
    expect(res.statusCode).toBe(201);
    expect(res.json().decision).toBe('APPROVED');
    expect(calls.memberships).toEqual([[stale.nik]]);
    expect(calls.registrations).toEqual([[project.registration]]);
    void fresh;
    const detail = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${res.json().id}`, headers: await t.auth('admin') });
    expect(detail.json().registration).toMatchObject({ source: 'upstream', state: 'FOUND', status: 'PESERTA', premiumPaidUpstream: 1_750_000 });

    // Everything fresh now: the provider is not asked again.
    reset();
    expect((await decide(decisionBody(project, { stage: 'TERMIN_2' }))).json().decision).toBe('APPROVED');
    expect(calls).toEqual({ memberships: [], registrations: [] });
  });

  it('refreshes a worker added after the roster was cached (a new roster version), and only that worker', async () => {
    reset();
    const project = await insertProject(t.database);
    await registration(project);
    await insertCoveredWorker(t.database, project);
    expect((await decide(decisionBody(project))).json().decision).toBe('APPROVED');
    expect(calls).toEqual({ memberships: [], registrations: [] });
    // The roster changes: the cached roster (and what it knew to be fresh) is of an older version.
    const added = await insertWorker(t.database, project.id);
    const res = await decide(decisionBody(project, { stage: 'TERMIN_2' }));
    expect(calls.memberships).toEqual([[added.nik]]);
    expect(calls.registrations).toEqual([]);
    // The provider failed: the new worker is judged unverified (retryable), the others as before.
    expect(codes(res)).toEqual(['MEMBERSHIP_UNVERIFIED']);
  });

  it('judges what the provider could not refresh as unverified (retryable), and skips the premium', async () => {
    reset();
    onMemberships = async () => { throw new Error('upstream 503'); };
    onRegistrations = async () => { throw new Error('upstream 503'); };
    const project = await insertProject(t.database, { premiumPaid: 0 });
    const w = await insertCoveredWorker(t.database, project, {}, { asOf: new Date('2025-09-01T00:00:00Z') });
    const res = await decide(decisionBody(project));
    expect(res.statusCode).toBe(201);
    expect(res.json().decision).toBe('BLOCKED');
    expect(res.json().reasons).toEqual([
      expect.objectContaining({ code: 'MEMBERSHIP_UNVERIFIED', retryable: true, workers: [{ nik: w.nik, name: w.name }] }),
      expect.objectContaining({ code: 'PROJECT_UNVERIFIED', retryable: true }),
    ]);
  });

  it('does not wait past BPJS_DEADLINE_MS for a provider that hangs', async () => {
    reset();
    onMemberships = () => new Promise(() => {});
    const project = await insertProject(t.database);
    await registration(project);
    await insertCoveredWorker(t.database, project, {}, { asOf: new Date('2025-09-01T00:00:00Z') });
    const started = Date.now();
    const res = await decide(decisionBody(project));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(codes(res)).toEqual(['MEMBERSHIP_UNVERIFIED']);
  });

  it('uses BPJS\'s registration: unknown or only registering blocks, its premium figure counts', async () => {
    reset();
    const notFound = await insertProject(t.database);
    await insertCoveredWorker(t.database, notFound);
    await registration(notFound, { found: false, status: null, premiumPaid: 0 });
    expect(codes(await decide(decisionBody(notFound)))).toEqual(['PROJECT_NOT_REGISTERED', 'PREMIUM_SHORTFALL']);

    const registering = await insertProject(t.database);
    await insertCoveredWorker(t.database, registering);
    await registration(registering, { status: 'MENDAFTAR', premiumPaid: 0 });
    expect(codes(await decide(decisionBody(registering)))).toEqual(['PROJECT_NOT_REGISTERED', 'PREMIUM_SHORTFALL']);

    // The project records 1,750,000 paid, BPJS only 800,000: BPJS's figure counts.
    const underpaid = await insertProject(t.database, { premiumPaid: 1_750_000 });
    await insertCoveredWorker(t.database, underpaid);
    await registration(underpaid, { premiumPaid: 800_000 });
    const res = await decide(decisionBody(underpaid));
    expect(codes(res)).toEqual(['PREMIUM_SHORTFALL']);
    expect(res.json().reasons[0].message).toContain('Rp800.000');

    // A registration row older than MEMBERSHIP_MAX_AGE_HOURS is refreshed, and unverified if that fails.
    const old = await insertProject(t.database);
    await insertCoveredWorker(t.database, old);
    await registration(old, { verifiedAt: '2025-09-13T00:00:00Z' });
    expect(codes(await decide(decisionBody(old)))).toEqual(['PROJECT_UNVERIFIED']);
    expect(calls.registrations).toContainEqual([old.registration]);
  });

  it('reports a NIK BPJS does not know (fresh "not found") as WORKER_NOT_FOUND', async () => {
    reset();
    const project = await insertProject(t.database);
    await registration(project);
    const w = await insertCoveredWorker(t.database, project, {}, { found: false });
    const res = await decide(decisionBody(project));
    expect(res.json().reasons).toEqual([expect.objectContaining({ code: 'WORKER_NOT_FOUND', workers: [{ nik: w.nik, name: w.name }] })]);
    expect(calls.memberships).toEqual([]);
  });
});
