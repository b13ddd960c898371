// Drill: the database freezes (SIGSTOP to the postmaster and every backend) under load: TCP still
// accepts and nothing answers, as with a hung host or a stalled disk. Requests must fail as 503
// within the pool's timeouts (src/db/client.ts: 3 s to get a connection, 20 s for a query's answer)
// rather than hang, and the service must answer again within 2 s of SIGCONT.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad } from './load.ts';
import {
  checkIntegrity, errorLogs, firstDecisionAfter, isProper503, report, setupDrill, SKIP_DRILLS, sleep, summarize, unexpected, type Drill,
} from './harness.ts';

/** The longest a request may wait for its 503: 3 s for a pool connection + 20 s query timeout + slack. */
const BOUND_MS = 25_000;

describe.skipIf(SKIP_DRILLS)('drill: database frozen (SIGSTOP) under load', () => {
  let drill: Drill;
  beforeAll(async () => {
    drill = await setupDrill();
  }, 200_000); // the service's start-up has taken 40-60 s on a busy machine
  afterAll(async () => {
    await drill?.pg.thaw();
    await drill?.destroy();
  });

  it('answers 503 within the timeouts while frozen and recovers within 2 s of SIGCONT', async () => {
    const load = startLoad({
      baseUrl: drill.service.baseUrl, clients: drill.finance, projectIds: drill.projectIds,
      stageAt: (ms) => `TERMIN_${1 + Math.floor(ms / 250)}`,
    });
    await sleep(2_000);
    const frozenAt = performance.now();
    const frozen = await drill.pg.freeze();
    // Longer than the query timeout, so requests caught mid-query must time out while frozen.
    await sleep(BOUND_MS + 1_000);
    await drill.pg.thaw();
    const thawedAt = performance.now();
    await sleep(3_000);
    const result = await load.stop();

    const duringFreeze = result.attempts.filter((a) => a.end > frozenAt && a.start < thawedAt);
    const refusedWhileFrozen = duringFreeze.filter((a) => a.status === 503 && a.end < thawedAt);
    const waits = duringFreeze.filter((a) => a.status !== 200 && a.status !== 201).map((a) => a.end - a.start);
    const recoveryMs = firstDecisionAfter(result.attempts, thawedAt);
    const integrity = await checkIntegrity(drill, result.decided);
    report('db-freeze', {
      load: summarize(result), frozenProcesses: frozen.length, frozenMs: Math.round(thawedAt - frozenAt),
      refusedWhileFrozen: refusedWhileFrozen.length, longestWaitForRefusalMs: Math.round(Math.max(0, ...waits)), recoveryMs, integrity,
    });

    expect(drill.service.exit(), 'the service process exited').toBeNull();
    // 409 IDEMPOTENCY_IN_PROGRESS: a retry whose earlier attempt's transaction is still frozen in the database.
    expect(unexpected(result.attempts, (a) => isProper503(a) || (a.status === 409 && a.problem === 'IDEMPOTENCY_IN_PROGRESS')), 'other answers').toEqual([]);
    expect(refusedWhileFrozen.length, 'no request was refused while the database was frozen').toBeGreaterThan(0);
    // No request hung: everything that started early enough in the freeze got its answer before the thaw.
    const hung = duringFreeze.filter((a) => a.start > frozenAt && a.start < thawedAt - BOUND_MS && a.end > thawedAt);
    expect(hung, 'requests that waited past the timeouts').toEqual([]);
    expect(Math.max(0, ...waits)).toBeLessThanOrEqual(BOUND_MS);
    expect(recoveryMs).not.toBeNull();
    expect(recoveryMs!).toBeLessThanOrEqual(2_000);
    expect(errorLogs(drill.service), 'error-level log lines (500s, crashes)').toEqual([]);

    expect(integrity.doubleApprovals).toBe(0);
    expect(integrity.approvedStagesRows).toBe(integrity.approved);
    expect(integrity.decisionsWithoutEvent).toBe(0);
    expect(integrity.eventsWithoutDecision).toBe(0);
    expect(integrity.seenButMissing).toBe(0);
    expect(integrity.keyMismatches).toBe(0);
    expect(integrity.chainOk).toBe(true);
    expect(integrity.verify).toMatchObject({ ok: true, checked: integrity.auditEvents, headSeq: integrity.auditEvents });
  }, 120_000);
});
