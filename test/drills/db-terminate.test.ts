// Drill: every pool connection is killed (pg_terminate_backend, as a DBA or a failover would) while
// decisions are being made, several times. The database itself stays up, so the service must
// answer again at once: the pool drops the dead connections and opens new ones, the process never
// crashes on the connections' 'error' events (57P01), and what was answered is what was stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad } from './load.ts';
import {
  APP_NAME, checkIntegrity, errorLogs, firstDecisionAfter, isProper503, LONG, report, setupDrill, SKIP_DRILLS, sleep, summarize, unexpected, type Drill,
} from './harness.ts';

describe.skipIf(SKIP_DRILLS)('drill: pg_terminate_backend of every pool connection under load', () => {
  let drill: Drill;
  beforeAll(async () => {
    drill = await setupDrill();
  }, 200_000); // the service's start-up has taken 40-60 s on a busy machine
  afterAll(async () => {
    await drill?.destroy();
  });

  it('stays up, refuses only with 503 + Retry-After, answers again within 2 s and loses nothing', async () => {
    const [rounds, gap] = LONG ? [8, 2_500] : [3, 1_500];
    const load = startLoad({
      baseUrl: drill.service.baseUrl, clients: drill.finance, projectIds: drill.projectIds,
      stageAt: (ms) => `TERMIN_${1 + Math.floor(ms / 250)}`,
    });
    await sleep(gap);
    const kills: Array<{ terminated: number; at: number }> = [];
    for (let i = 0; i < rounds; i++) {
      const at = performance.now();
      kills.push({ terminated: await drill.pg.terminateBackends(APP_NAME), at });
      await sleep(gap);
    }
    const result = await load.stop();

    const recoveries = kills.map((k) => firstDecisionAfter(result.attempts, k.at));
    const integrity = await checkIntegrity(drill, result.decided);
    report('db-terminate', { load: summarize(result), terminated: kills.map((k) => k.terminated), recoveryMs: recoveries, integrity });

    expect(drill.service.exit(), 'the service process exited').toBeNull();
    expect(kills.every((k) => k.terminated > 0), 'some round found no connection to terminate').toBe(true);
    expect(unexpected(result.attempts, isProper503), 'answers other than a decision or a proper 503').toEqual([]);
    for (const r of recoveries) {
      expect(r).not.toBeNull();
      expect(r!).toBeLessThanOrEqual(2_000);
    }
    expect(errorLogs(drill.service), 'error-level log lines (500s, crashes)').toEqual([]);

    expect(integrity.decisions).toBeGreaterThan(0);
    expect(integrity.doubleApprovals).toBe(0);
    expect(integrity.approvedStagesRows).toBe(integrity.approved);
    expect(integrity.decisionsWithoutEvent).toBe(0);
    expect(integrity.eventsWithoutDecision).toBe(0);
    expect(integrity.seenButMissing, 'decisions answered 200/201 that the database does not hold').toBe(0);
    expect(integrity.keyMismatches).toBe(0);
    expect(integrity.chainOk).toBe(true);
    expect(integrity.verify).toMatchObject({ ok: true, checked: integrity.auditEvents, headSeq: integrity.auditEvents });
  }, 120_000);
});
