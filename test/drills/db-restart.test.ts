// Drill: PostgreSQL stops and comes back while finance systems keep asking for decisions.
// The service must stay up, refuse with 503 problem+json + Retry-After while the database is away,
// answer again within 2 s of its return, and leave no decision without its audit event, no stage
// approved twice and a chain that verifies. With DRILLS=1: about 20 s of load, plus a crash
// (`pg_ctl stop -m immediate`) under load and the durability of an answered decision across a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad, httpClient } from './load.ts';
import {
  checkIntegrity, errorLogs, firstDecisionAfter, isProper503, LONG, report, setupDrill, SKIP_DRILLS, sleep, summarize, unexpected, type Drill,
} from './harness.ts';

const stageEvery250ms = (ms: number) => `TERMIN_${1 + Math.floor(ms / 250)}`;

describe.skipIf(SKIP_DRILLS)('drill: database stopped and restarted under load', () => {
  let drill: Drill;
  beforeAll(async () => {
    drill = await setupDrill();
  }, 200_000); // the service's start-up has taken 40-60 s on a busy machine
  afterAll(async () => {
    await drill?.destroy();
  });

  it('stays up, answers 503 + Retry-After while the database is away, recovers within 2 s and loses nothing', async () => {
    const [before, down, after] = LONG ? [5_000, 5_000, 5_000] : [2_500, 2_500, 2_500];
    const load = startLoad({ baseUrl: drill.service.baseUrl, clients: drill.finance, projectIds: drill.projectIds, stageAt: stageEvery250ms });
    const probe = httpClient(drill.service.baseUrl);
    await sleep(before);

    const stopAt = performance.now();
    await drill.pg.stop('fast');
    const stoppedMs = Math.round(performance.now() - stopAt);
    await sleep(down / 2);
    const health = await probe.send('GET', '/healthz');
    const ready = await probe.send('GET', '/readyz');
    await sleep(down / 2);
    await drill.pg.start();
    const backAt = performance.now();
    await sleep(after);

    let crash: Record<string, unknown> | undefined;
    if (LONG) {
      // A crash this time: no shutdown checkpoint, recovery from the WAL at the next start.
      const crashAt = performance.now();
      await drill.pg.stop('immediate');
      await sleep(2_000);
      await drill.pg.start();
      const crashBackAt = performance.now();
      await sleep(after);
      crash = { downMs: Math.round(crashBackAt - crashAt), recoveryMs: firstDecisionAfter(load.attempts, crashBackAt) };
    }
    const result = await load.stop();
    probe.close();

    const recoveryMs = firstDecisionAfter(result.attempts, backAt);
    const duringOutage = result.attempts.filter((a) => a.end > stopAt && a.start < backAt);
    const integrity = await checkIntegrity(drill, result.decided);
    report('db-restart', {
      load: summarize(result), stopMs: stoppedMs, downMs: Math.round(backAt - stopAt), recoveryMs, crash,
      readyzWhileDown: ready.status, integrity,
    });

    expect(drill.service.exit(), 'the service process exited').toBeNull();
    expect(health.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(unexpected(result.attempts, isProper503), 'answers other than a decision or a proper 503').toEqual([]);
    expect(duringOutage.filter((a) => a.status === 503).length, 'no 503 seen while the database was away').toBeGreaterThan(0);
    expect(new Set(result.attempts.filter((a) => a.status === 503).map((a) => a.problem))).toEqual(new Set(['DATABASE_UNAVAILABLE']));
    expect(recoveryMs, 'no decision after the database came back').not.toBeNull();
    expect(recoveryMs!).toBeLessThanOrEqual(2_000);
    if (crash) expect(crash.recoveryMs as number).toBeLessThanOrEqual(2_000);
    expect(errorLogs(drill.service), 'error-level log lines (500s, crashes)').toEqual([]);

    expect(integrity.decisions).toBeGreaterThan(0);
    expect(integrity.approved).toBeGreaterThan(0);
    expect(integrity.doubleApprovals).toBe(0);
    expect(integrity.approvedStagesRows).toBe(integrity.approved);
    expect(integrity.decisionsWithoutEvent).toBe(0);
    expect(integrity.eventsWithoutDecision).toBe(0);
    expect(integrity.seenButMissing, 'decisions answered 200/201 that the database lost').toBe(0);
    expect(integrity.keyMismatches).toBe(0);
    expect(integrity.chainOk).toBe(true);
    expect(integrity.verify).toMatchObject({ ok: true, checked: integrity.auditEvents, headSeq: integrity.auditEvents });
  }, 120_000);
});

// A decision answered 201 must survive a database crash right after the answer. The WAL writer is
// slowed down (10 s) so that only the service's own flush can make the decision durable in time.
describe.skipIf(SKIP_DRILLS)('drill: an answered decision survives a database crash', () => {
  let drill: Drill;
  beforeAll(async () => {
    drill = await setupDrill({ projects: 1, workersPerProject: 10, clients: 1, pgSettings: { wal_writer_delay: "'10s'", wal_writer_flush_after: 0 } });
  }, 200_000); // the service's start-up has taken 40-60 s on a busy machine
  afterAll(async () => {
    await drill?.destroy();
  });

  it('finds every decision answered before `pg_ctl stop -m immediate` after recovery', async () => {
    const api = httpClient(drill.service.baseUrl);
    const answered: string[] = [];
    const [who] = drill.finance;
    for (let i = 1; i <= 5; i++) {
      const res = await api.send('POST', '/v1/disbursements', { authorization: `Bearer ${who!.token}`, 'idempotency-key': `crash-${i}` }, {
        projectId: drill.projectIds[0], stage: `TERMIN_${i}`, amount: 100_000_000, requestRef: `SPM/CRASH/${i}`,
      });
      expect(res.status).toBe(201);
      answered.push((res.body as { id: string }).id);
      await drill.pg.stop('immediate');
      await drill.pg.start();
    }
    api.close();
    const stored = await drill.pg.query<{ id: string }>(`select id::text from disbursements`, [], 'gerbang');
    const lost = answered.filter((id) => !stored.some((r) => r.id === id));
    report('db-crash-durability', { answered: answered.length, lost: lost.length });
    expect(lost, 'decisions answered 201 and then lost in a crash').toEqual([]);
  }, 60_000);
});
