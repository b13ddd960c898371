// Contract 2.2 upstream: a found result carries its coverages either at the top level (Part 1's
// form) or in `memberships: [...]`; the adapter accepts both, stores one row per coverage, and takes
// a found answer as BPJS's complete set for the NIK (coverages left out stop being current).
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createBpjsClient } from '../../src/bpjs/client.ts';
import { inForm } from '../../src/bpjs/simulator.ts';
import type { UpstreamParticipant } from '../../src/bpjs/wire.ts';
import { insertProject, insertWorker, query } from '../disbursements/fixtures.ts';
import { API_KEY, deadlineIn, fixtureData } from './harness.ts';
import { buildLiveApp, participantOf, reasonCodes, registrationOf } from './live-app.ts';

const coverage = (projectNumber: string, o: Record<string, unknown> = {}) => ({
  kpj: '', status: 'AKTIF' as const, programs: ['JKK', 'JKM'] as Array<'JKK' | 'JKM'>, coverageStart: '2025-07-01', coverageEnd: '2026-06-30',
  segment: 'JAKON' as const, projectNumber, ...o,
});

describe('several coverages from the upstream', async () => {
  const live = await buildLiveApp({ BPJS_DEADLINE_MS: '2000', BPJS_TIMEOUT_MS: '800' });
  const { t, upstream } = live;
  const admin = await t.auth('admin');
  const stored = (nik: string) => query<{ coverage: string; status: string; source: string }>(t.database,
    `select coverage, status, source from memberships where nik = '${nik}' order by coverage`);
  const search = async (nik: string) =>
    (await t.app.inject({ method: 'POST', url: '/v1/memberships/search', headers: admin, payload: { niks: [nik] } })).json().items[0];

  beforeEach(() => {
    upstream.reset();
    live.fresh();
  });

  it('approves a day labourer holding the Jakon registrations of two projects, on either project (list form)', async () => {
    const a = await insertProject(t.database);
    const b = await insertProject(t.database);
    const onA = await insertWorker(t.database, a.id);
    await insertWorker(t.database, b.id, { nik: onA.nik, name: onA.name, kpj: onA.kpj });
    upstream.sim.simulator.putData({
      participants: [{ nik: onA.nik, found: true, name: onA.name, memberships: [coverage(b.registration, { kpj: onA.kpj }), coverage(a.registration, { kpj: onA.kpj })] }],
      projects: [registrationOf(a), registrationOf(b)],
    });
    for (const p of [a, b]) {
      const { res } = await live.decide(p);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ decision: 'APPROVED', reasons: [] });
    }
    expect(await stored(onA.nik)).toEqual([
      { coverage: `JAKON:${a.registration}`, status: 'ACTIVE', source: 'upstream' },
      { coverage: `JAKON:${b.registration}`, status: 'ACTIVE', source: 'upstream' },
    ].sort((x, y) => (x.coverage < y.coverage ? -1 : 1)));
    const item = await search(onA.nik);
    expect(item.coverages).toHaveLength(2);
    expect(item.history).toHaveLength(2);
  });

  it('ends a coverage the next answer leaves out (history says so), and a not-found answer ends them all', async () => {
    const p = await insertProject(t.database);
    const other = await insertProject(t.database);
    const w = await insertWorker(t.database, p.id);
    upstream.sim.simulator.putData({
      participants: [{ nik: w.nik, found: true, name: w.name, memberships: [coverage(p.registration, { kpj: w.kpj }), coverage(other.registration, { kpj: w.kpj })] }],
      projects: [registrationOf(p)],
    });
    expect((await live.provider.refreshMemberships([w.nik], deadlineIn(3000))).refreshed).toEqual([w.nik]);
    expect(await stored(w.nik)).toHaveLength(2);

    // Part 1's flat form, with only the other project's registration: this project's coverage ends.
    upstream.sim.simulator.putData({ participants: [participantOf(w, other)] });
    await live.provider.refreshMemberships([w.nik], deadlineIn(3000));
    expect((await stored(w.nik)).map((r) => r.coverage)).toEqual([`JAKON:${other.registration}`]);
    const item = await search(w.nik);
    expect(item.coverages.map((c: { projectNumber: string }) => c.projectNumber)).toEqual([other.registration]);
    const ended = item.history.filter((h: { ended: boolean }) => h.ended);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ projectNumber: p.registration, segment: 'JAKON' });
    // Judged on what is left: covered only through another project.
    const { res } = await live.decide(p);
    expect(reasonCodes(res.json())).toContain('OTHER_PROJECT_COVERAGE');

    upstream.sim.simulator.putData({ participants: [{ nik: w.nik, found: false }] });
    expect((await live.provider.refreshMemberships([w.nik], deadlineIn(3000))).notFound).toEqual([w.nik]);
    expect((await stored(w.nik)).map((r) => r.coverage)).toEqual(['']);
  });

  it('stores the same rows whichever form the simulator serves', async () => {
    const p = await insertProject(t.database);
    const rowsIn = async (form: 'list' | 'flat') => {
      const w = await insertWorker(t.database, p.id);
      upstream.sim.simulator.putData({ participants: [participantOf(w, p)] });
      upstream.reset({ participantForm: form });
      await live.provider.refreshMemberships([w.nik], deadlineIn(3000));
      return (await query<Record<string, unknown>>(t.database,
        `select coverage, found, kpj, status, programs, coverage_start::text, coverage_end::text, segment, project_number, employer_npp
         from memberships where nik = '${w.nik}'`)).map(({ kpj, ...r }) => ({ ...r, kpjMatches: kpj === w.kpj }));
    };
    const list = await rowsIn('list');
    expect(list).toHaveLength(1);
    expect(await rowsIn('flat')).toEqual(list);
  });

  it('keeps the history of registrations fetched from the upstream beside imported ones (contract 2.3)', async () => {
    const p = await insertProject(t.database);
    upstream.sim.simulator.putData({ projects: [registrationOf(p, { status: 'MENDAFTAR', premiumPaid: 0 })] });
    await live.provider.refreshRegistrations([p.registration], deadlineIn(3000));
    upstream.sim.simulator.putData({ projects: [registrationOf(p)] });
    await live.provider.refreshRegistrations([p.registration], deadlineIn(3000));
    await live.provider.refreshRegistrations([p.registration], deadlineIn(3000)); // no change: no history
    const res = await t.app.inject({ method: 'GET', url: `/v1/registrations/${p.registration}`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().current).toMatchObject({ status: 'PESERTA', source: 'upstream', premiumPaid: 1_750_000 });
    expect(res.json().history.map((h: { status: string; source: string }) => [h.status, h.source])).toEqual([['MENDAFTAR', 'upstream'], ['PESERTA', 'upstream']]);
    // A snapshot older than BPJS's answer changes nothing.
    const older = await t.app.inject({
      method: 'POST', url: '/v1/registrations/import', headers: admin,
      payload: { records: [{ projectNumber: p.registration, status: 'MENDAFTAR', premiumPaid: 0, asOf: '2025-01-01T00:00:00Z' }] },
    });
    expect(older.json()).toMatchObject({ skippedOlder: 1 });
  });

  it('serves the fixture\'s people in both forms (simulator)', () => {
    const data = fixtureData();
    const many = data.participants.find((p) => p.found && 'memberships' in p);
    const one = data.participants.find((p) => p.found && !('memberships' in p)) as UpstreamParticipant;
    expect(many && 'memberships' in many && many.memberships.length).toBe(2);
    expect(inForm(one, 'list')).toMatchObject({ nik: one.nik, found: true, memberships: [expect.objectContaining({ segment: expect.any(String) })] });
    expect(inForm(inForm(one, 'list'), 'flat')).toEqual(one);
    // Several coverages cannot be said in the flat form: they stay a list.
    expect(inForm(many as UpstreamParticipant, 'flat')).toEqual(many);
  });
});

describe('a found result with neither form', async () => {
  const fake = Fastify();
  fake.post('/participants/status', async (request) => ({
    results: (request.body as { niks: string[] }).niks.map((nik) => ({ nik, found: true, name: 'Tanpa Kepesertaan' })),
  }));
  await fake.listen({ port: 0, host: '127.0.0.1' });
  afterAll(() => fake.close());

  it('is malformed: every entry asked fails, none is stored as an answer', async () => {
    const client = createBpjsClient({ baseUrl: `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`, apiKey: API_KEY, timeoutMs: 800, breakerResetMs: 30_000 });
    const niks = ['1671011505900001', '1671025203880002'];
    const { answers, failed } = await client.fetchParticipants(niks, deadlineIn(3000));
    expect(answers.size).toBe(0);
    expect(failed.sort()).toEqual(niks);
  });
});
