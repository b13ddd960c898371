// The http provider on real PostgreSQL against the simulator: what a refresh stores (memberships,
// history only on change, registrations) and the one audit event it appends.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { pseudonymizer } from '../../src/audit/pseudonym.ts';
import { createProvider } from '../../src/bpjs/factory.ts';
import { createHttpProvider } from '../../src/bpjs/provider.ts';
import { loadConfig } from '../../src/config.ts';
import { rows } from '../../src/db/client.ts';
import { buildTestApp } from '../helpers/app.ts';
import { activeParticipant, API_KEY, deadlineIn, fixtureData, makeNiks, startUpstream, timed } from './harness.ts';

const manyNiks = makeNiks(1000);
const data = fixtureData();
data.participants.push(...manyNiks.map((nik, i) => activeParticipant(nik, i)));
const pseudonymize = pseudonymizer(Buffer.alloc(32, 7));
const logger = pino({ level: 'silent' });
const UNKNOWN_NIK = '1671011505909999';
/** A timestamptz column as epoch milliseconds, named as the column (the raw driver answers text). */
const ms = (column: 'as_of' | 'verified_at') => sql.raw(`(extract(epoch from ${column}) * 1000)::float8 as ${column}`);

describe('BPJS http provider', async () => {
  const t = await buildTestApp();
  const upstream = await startUpstream(data);
  const config = loadConfig({
    NODE_ENV: 'test', BPJS_PROVIDER: 'http', BPJS_API_URL: upstream.url, BPJS_API_KEY: API_KEY, BPJS_TIMEOUT_MS: '500',
  });
  let now = new Date('2026-03-02T03:00:00.000Z');
  const clock = () => now;
  const provider = createHttpProvider({ config, database: t.database, logger, clock, pseudonymize });
  const db = t.database.db;
  const fixtureNiks = fixtureData().participants.map((p) => p.nik);

  const audit = () => rows<{ action: string; data: Record<string, unknown>; actor: { sub: string }; request_id: string | null }>(db,
    sql`select action, data, actor, request_id from audit_events where action = 'membership.refreshed' order by seq`);
  const history = (nik: string) => rows<{ record: Record<string, unknown>; source: string }>(db,
    sql`select record, source from membership_history where nik = ${nik} order by id`);

  beforeEach(() => upstream.reset());

  it('stores found, inactive and unknown NIKs with history and one audit event of pseudonyms', async () => {
    const outcome = await provider.refreshMemberships([...fixtureNiks, UNKNOWN_NIK], deadlineIn(3000),
      { actor: { sub: 'opd-user', roles: ['opd'], opd: 'DPUPR' }, requestId: 'req-1' });
    expect(outcome).toEqual({ refreshed: [...fixtureNiks].sort(), notFound: [UNKNOWN_NIK], failed: [] });

    const stored = await rows<Record<string, unknown>>(db, sql`
      select nik, found, kpj, status, programs, coverage_start::text, coverage_end::text, segment, project_number,
             employer_npp, ${ms('as_of')}, source from memberships where nik in (${fixtureNiks[0]}, ${fixtureNiks[3]}, ${UNKNOWN_NIK}) order by nik`);
    expect(stored).toEqual([
      {
        nik: fixtureNiks[0], found: true, kpj: '25010000001', status: 'ACTIVE', programs: ['JKK', 'JKM'], coverage_start: '2025-01-06',
        coverage_end: '2026-12-31', segment: 'JAKON', project_number: '250100012345', employer_npp: null, as_of: now.getTime(), source: 'upstream',
      },
      {
        nik: UNKNOWN_NIK, found: false, kpj: null, status: null, programs: null, coverage_start: null, coverage_end: null,
        segment: null, project_number: null, employer_npp: null, as_of: now.getTime(), source: 'upstream',
      },
      {
        nik: fixtureNiks[3], found: true, kpj: '25010000004', status: 'INACTIVE', programs: ['JKK', 'JKM'], coverage_start: '2024-03-01',
        coverage_end: '2025-02-28', segment: 'JAKON', project_number: '240300099887', employer_npp: null, as_of: now.getTime(), source: 'upstream',
      },
    ]);
    expect(await history(fixtureNiks[1] as string)).toEqual([{
      source: 'upstream',
      record: {
        nik: fixtureNiks[1], found: true, kpj: '25010000002', name: 'Siti Rahmawati', status: 'ACTIVE', programs: ['JKK', 'JKM', 'JHT', 'JP'],
        coverageStart: '2023-07-01', coverageEnd: '2026-06-30', segment: 'PU', projectNumber: null, employerNpp: '16012345',
        asOf: now.toISOString(),
      },
    }]);

    expect((await history(UNKNOWN_NIK))[0]?.record).toMatchObject({ nik: UNKNOWN_NIK, found: false, programs: [], kpj: null });

    const events = await audit();
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.actor.sub).toBe('opd-user');
    expect(event?.request_id).toBe('req-1');
    expect(event?.data).toMatchObject({ kind: 'participants', requested: 8, refreshed: 7, notFound: 1, failed: 0, changed: 8 });
    expect(event?.data.workersChanged).toEqual([...fixtureNiks, UNKNOWN_NIK].map(pseudonymize).sort());
    // No raw NIK and no name anywhere in the event.
    const text = JSON.stringify(event);
    for (const nik of [...fixtureNiks, UNKNOWN_NIK]) expect(text).not.toContain(nik);
    expect(text).not.toContain('Siti');
  });

  it('adds history only when BPJS changed something, while freshness always moves on', async () => {
    now = new Date('2026-03-03T03:00:00.000Z');
    const again = await provider.refreshMemberships(fixtureNiks, deadlineIn(3000));
    expect(again.refreshed).toHaveLength(7);
    expect(await history(fixtureNiks[0] as string)).toHaveLength(1);
    const [row] = await rows<{ as_of: number }>(db, sql`select ${ms('as_of')} from memberships where nik = ${fixtureNiks[0]}`);
    expect(row?.as_of).toBe(now.getTime());
    const events = await audit();
    expect(events.at(-1)?.data).toMatchObject({ changed: 0, refreshed: 7 });
    expect(events.at(-1)?.actor.sub).toBe('system:bpjs-refresh');

    // BPJS deactivates one worker: exactly one new history row, for that worker.
    now = new Date('2026-03-04T03:00:00.000Z');
    const first = fixtureData().participants[0];
    if (!first?.found) throw new Error('fixture');
    upstream.sim.simulator.putData({ participants: [{ ...first, status: 'NONAKTIF' }] });
    await provider.refreshMemberships(fixtureNiks, deadlineIn(3000));
    const changes = await history(first.nik);
    expect(changes.map((h) => h.record.status)).toEqual(['ACTIVE', 'INACTIVE']);
    expect(await history(fixtureNiks[1] as string)).toHaveLength(1);
    expect((await audit()).at(-1)?.data).toMatchObject({ changed: 1, workersChanged: [pseudonymize(first.nik)] });
    upstream.sim.simulator.putData({ participants: [first] });
  });

  it('writes nothing and appends no event when the upstream fails', async () => {
    const eventsBefore = (await audit()).length;
    const [before] = await rows<{ as_of: string }>(db, sql`select as_of::text from memberships where nik = ${fixtureNiks[0]}`);
    upstream.reset({ errorRate: 1 });
    now = new Date('2026-03-05T03:00:00.000Z');
    const outcome = await provider.refreshMemberships(fixtureNiks, deadlineIn(1500));
    expect(outcome).toEqual({ refreshed: [], notFound: [], failed: [...fixtureNiks].sort() });
    expect((await audit()).length).toBe(eventsBefore);
    const [after] = await rows<{ as_of: string }>(db, sql`select as_of::text from memberships where nik = ${fixtureNiks[0]}`);
    expect(after?.as_of).toEqual(before?.as_of);
  });

  it('stores the NIKs that were answered and reports the ones left out as failed', async () => {
    upstream.reset({ omitRate: 0.5 });
    upstream.queueDraws([0.9, 0.1, 0.9]);
    const three = fixtureNiks.slice(0, 3);
    const outcome = await provider.refreshMemberships(three, deadlineIn(3000));
    expect(outcome).toEqual({ refreshed: [three[0], three[2]].sort(), notFound: [], failed: [three[1]] });
  });

  it('keeps a stored record that is newer than the answer', async () => {
    const nik = fixtureNiks[2] as string;
    await db.execute(sql`update memberships set as_of = '2030-01-01T00:00:00Z', status = 'INACTIVE', source = 'snapshot' where nik = ${nik}`);
    now = new Date('2026-03-06T03:00:00.000Z');
    await provider.refreshMemberships([nik], deadlineIn(3000));
    const [row] = await rows<{ status: string; source: string }>(db, sql`select status, source from memberships where nik = ${nik}`);
    expect(row).toEqual({ status: 'INACTIVE', source: 'snapshot' });
  });

  it('refreshes project registrations: PESERTA, MENDAFTAR and unknown', async () => {
    now = new Date('2026-03-07T03:00:00.000Z');
    const outcome = await provider.refreshRegistrations(['250100012345', '250100067890', '999000'], deadlineIn(3000));
    expect(outcome).toEqual({ refreshed: ['250100012345', '250100067890'], notFound: ['999000'], failed: [] });
    const stored = await rows<Record<string, unknown>>(db, sql`
      select registration_number, found, status, contract_value::float8, premium_required::float8, premium_paid::float8,
             workers_registered, coverage_start::text, coverage_end::text, ${ms('verified_at')} from project_registrations order by registration_number`);
    expect(stored).toEqual([
      {
        registration_number: '250100012345', found: true, status: 'PESERTA', contract_value: 1500000000, premium_required: 2171621,
        premium_paid: 2171621, workers_registered: 42, coverage_start: '2025-01-06', coverage_end: '2026-12-31', verified_at: now.getTime(),
      },
      {
        registration_number: '250100067890', found: true, status: 'MENDAFTAR', contract_value: 450000000, premium_required: 820270,
        premium_paid: 0, workers_registered: 12, coverage_start: '2025-01-06', coverage_end: '2026-12-31', verified_at: now.getTime(),
      },
      {
        registration_number: '999000', found: false, status: null, contract_value: null, premium_required: null, premium_paid: null,
        workers_registered: null, coverage_start: null, coverage_end: null, verified_at: now.getTime(),
      },
    ]);
    expect((await audit()).at(-1)?.data).toMatchObject({ kind: 'projects', refreshed: 2, notFound: 1, changed: 3 });

    upstream.reset({ errorRate: 1 });
    const down = await provider.refreshRegistrations(['250100012345'], deadlineIn(1000));
    expect(down).toEqual({ refreshed: [], notFound: [], failed: ['250100012345'] });
  });

  it('refreshes a 1,000-worker roster in 10 calls, well within BPJS_DEADLINE_MS', async () => {
    const fresh = createHttpProvider({ config, database: t.database, logger, clock, pseudonymize });
    await fresh.refreshMemberships(manyNiks.slice(0, 10), deadlineIn(3000)); // warm the connection and the JIT
    for (const latencyMs of [0, 100]) {
      upstream.reset({ latencyMs });
      now = new Date(now.getTime() + 60_000);
      const { result, ms } = await timed(() => fresh.refreshMemberships(manyNiks, deadlineIn(config.BPJS_DEADLINE_MS)));
      expect(result.refreshed).toHaveLength(1000);
      expect(result.failed).toEqual([]);
      expect(upstream.sim.simulator.stats.calls.participants).toBe(10);
      expect(ms).toBeLessThan(config.BPJS_DEADLINE_MS);
      console.log(`[measure] 1,000-worker refresh (fetch + store + audit), upstream latency ${latencyMs} ms per call: ${ms.toFixed(0)} ms`);
    }
  });

  it('is what createProvider returns for BPJS_PROVIDER=http, and needs the pseudonymizer', () => {
    expect(createProvider(config, t.database, logger, { pseudonymize }).name).toBe('http');
    expect(() => createProvider(config, t.database, logger)).toThrow(/pseudonym/);
    expect(createProvider(loadConfig({ NODE_ENV: 'test' }), t.database, logger).name).toBe('snapshot');
  });
});
