// Drill (contract 2.9): a primary and its synchronous standby (pg_basebackup), two service processes
// on `DATABASE_URL=postgresql://...@primary,standby/gerbang?target_session_attrs=read-write`, and
// finance clients deciding on both. Then:
//   1. the primary crashes (`pg_ctl stop -m immediate`) and the standby is promoted (`pg_ctl
//      promote`; pg_auto_failover's keeper does the same): every decision answered 201 is on the new
//      primary, no stage is approved twice, the chain verifies, only 503 + Retry-After while no host
//      is writable, and the first decision after the promotion comes within 5 s;
//   2. one of the two service processes is killed (SIGKILL) under load: its clients retry their
//      keys on the other and get each decision exactly once.
// Short in `npm test`; `npm run drill:failover` runs it longer (DRILLS=1) and prints the figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devAuthJwk } from '../../src/keys.ts';
import { startHaPostgres, type HaPostgres } from '../helpers/ha-postgres.ts';
import { httpClient, startLoad, type Attempt, type Decided } from './load.ts';
import {
  checkIntegrity, DATABASE, errorLogs, firstDecisionAfter, isProper503, LONG, report, seedProjects, SKIP_DRILLS, sleep, summarize, tallyOf, unexpected,
  type Drill,
} from './harness.ts';
import { startService, type ServiceProcess } from './service.ts';

const stageEvery250ms = (ms: number) => `TERMIN_${1 + Math.floor(ms / 250)}`;

describe.skipIf(SKIP_DRILLS)('drill: failover to a synchronous standby, and a service process killed, under load', () => {
  let ha: HaPostgres;
  let services: ServiceProcess[] = [];
  let dataDir: string;
  let projectIds: string[] = [];
  let finance: Array<{ sub: string; token: string }> = [];
  const decidedSoFar: Decided[] = [];

  beforeAll(async () => {
    ha = await startHaPostgres({ databases: [DATABASE] });
    // Both instances share the development keys (tokens, audit signing, pseudonyms), as replicas
    // behind a load balancer share their secrets.
    dataDir = mkdtempSync(path.join(tmpdir(), 'gerbang-drill-ha-'));
    await devAuthJwk(dataDir);
    for (let i = 0; i < 2; i++) services.push(await startService({ databaseUrl: ha.url(DATABASE), dataDir }));
    const admin = httpClient(services[0]!.baseUrl);
    projectIds = (await seedProjects(admin, await services[0]!.token('admin', 'drill-admin'), 4, 30)).map((p) => p.id);
    admin.close();
    finance = await Promise.all(Array.from({ length: 10 }, async (_, i) => ({ sub: `bpkad-${i}`, token: await services[0]!.token('finance', `bpkad-${i}`) })));
  }, 400_000);

  afterAll(async () => {
    for (const s of services) await s.destroy();
    await ha?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** checkIntegrity reads the new primary and asks a live instance to verify the chain. */
  const integrityOn = (decided: Decided[]) => {
    const live = services.find((s) => !s.exit()) as ServiceProcess;
    return checkIntegrity({ pg: ha.standby, service: live } as Drill, decided);
  };

  it('crash of the primary, promotion of the standby: no answered decision lost, none twice, 503 + Retry-After meanwhile, back within 5 s', async () => {
    const [before, down, after] = LONG ? [8_000, 4_000, 8_000] : [2_500, 1_500, 2_500];
    const load = startLoad({ baseUrl: services[0]!.baseUrl, baseUrls: services.map((s) => s.baseUrl), clients: finance, projectIds, stageAt: stageEvery250ms });
    const probe = httpClient(services[1]!.baseUrl);
    await sleep(before);
    const answeredBefore = load.decided.length;

    const crashAt = performance.now();
    await ha.primary.stop('immediate');
    await sleep(down / 2);
    // Only the standby answers now, and it is in recovery.
    const readyDuring = await probe.send('GET', '/readyz');
    await sleep(down / 2);
    const promoteAt = performance.now();
    await ha.standby.promote();
    const promotedAt = performance.now();
    await sleep(after);
    const readyAfter = await probe.send('GET', '/readyz');
    const result = await load.stop();
    probe.close();
    decidedSoFar.push(...result.decided);

    const recoveryMs = firstDecisionAfter(result.attempts, promotedAt);
    const noHostAttempts = result.attempts.filter((a) => a.end > crashAt && a.start < promotedAt);
    const integrity = await integrityOn(result.decided);
    const figures = {
      load: summarize(result), answeredBeforeCrash: answeredBefore, downMs: Math.round(promotedAt - crashAt), promoteMs: Math.round(promotedAt - promoteAt),
      recoveryMs, recoveryFromPromoteCommandMs: firstDecisionAfter(result.attempts, promoteAt),
      whileNoWritableHost: tallyOf(noHostAttempts), readyzDuring: readyDuring.body, readyzAfter: readyAfter.body,
      lost: integrity.seenButMissing, doubleApprovals: integrity.doubleApprovals, integrity,
    };
    report('failover', figures);

    for (const s of services) expect(s.exit(), 'a service process exited').toBeNull();
    expect(readyDuring.status).toBe(503);
    expect(readyDuring.body).toMatchObject({ status: 'unavailable', database: 'read-only', host: `127.0.0.1:${ha.standby.port}` });
    expect(readyAfter.status).toBe(200);
    expect(readyAfter.body).toMatchObject({ status: 'ok', database: 'ok', host: `127.0.0.1:${ha.standby.port}` });
    expect(unexpected(result.attempts, isProper503), 'answers other than a decision or a proper 503 (a 500?)').toEqual([]);
    expect(noHostAttempts.filter((a) => a.status === 503).length, 'no 503 while no host was writable').toBeGreaterThan(0);
    expect(recoveryMs, 'no decision after the promotion').not.toBeNull();
    expect(recoveryMs!).toBeLessThanOrEqual(5_000);
    for (const s of services) expect(errorLogs(s), 'error-level log lines (500s, crashes)').toEqual([]);

    expect(answeredBefore).toBeGreaterThan(0);
    expect(result.decided.length).toBeGreaterThan(answeredBefore);
    expect(integrity.seenButMissing, 'decisions answered 200/201 missing on the new primary').toBe(0);
    expect(integrity.keyMismatches).toBe(0);
    expect(integrity.doubleApprovals).toBe(0);
    expect(integrity.approvedStagesRows).toBe(integrity.approved);
    expect(integrity.decisionsWithoutEvent).toBe(0);
    expect(integrity.eventsWithoutDecision).toBe(0);
    expect(integrity.chainOk).toBe(true);
    expect(integrity.verify).toMatchObject({ ok: true, checked: integrity.auditEvents, headSeq: integrity.auditEvents });
  }, 180_000);

  it('SIGKILL of one of two service processes: its clients retry their keys on the other and get each decision exactly once', async () => {
    const [before, after] = LONG ? [6_000, 6_000] : [2_000, 2_500];
    const [victim, survivor] = services as [ServiceProcess, ServiceProcess];
    // Fresh stages, so this phase's approvals do not meet the first phase's.
    const offset = 500; // stages run to TERMIN_999; the first phase stays far below 500
    const load = startLoad({
      baseUrl: victim.baseUrl, baseUrls: [victim.baseUrl, survivor.baseUrl], clients: finance, projectIds,
      stageAt: (ms) => `TERMIN_${offset + Math.floor(ms / 250)}`,
    });
    await sleep(before);
    const killAt = performance.now();
    victim.signal('SIGKILL');
    await victim.exited;
    await sleep(after);
    const result = await load.stop();
    // Keys still without a decision when the load stopped: retried on the survivor until decided.
    const api = httpClient(survivor.baseUrl);
    const tokens = new Map(finance.map((f) => [f.sub, f.token]));
    const late: Decided[] = [];
    for (const u of result.unresolved) {
      for (let i = 0; i < 50; i++) {
        const res = await api.send('POST', '/v1/disbursements', { authorization: `Bearer ${tokens.get(u.sub)}`, 'idempotency-key': u.key }, u.body);
        if (res.status === 200 || res.status === 201) {
          const b = res.body as { id: string; decision: string };
          late.push({ sub: u.sub, key: u.key, projectId: u.body.projectId, stage: u.body.stage, status: res.status, decisionId: b.id, decision: b.decision, at: performance.now() });
          break;
        }
        await sleep(100);
      }
    }
    api.close();
    const decided = [...result.decided, ...late];
    const integrity = await integrityOn([...decidedSoFar, ...decided]);
    // Exactly once: one stored decision per key the clients sent, and the one they were told.
    const keys = new Set(decided.map((d) => `${d.sub}\0${d.key}`));
    const [stored] = await ha.standby.query<{ n: string }>(
      `select count(distinct d.id)::text as n from disbursements d join idempotency_keys k on k.disbursement_id = d.id where k.key = any($1::text[])`,
      [decided.map((d) => d.key)], DATABASE,
    );
    const onVictim = result.attempts.filter((a) => a.instance === 0 && a.start < killAt && a.end >= killAt);
    const movedKeys = new Set(result.attempts.filter((a) => a.instance === 1 && a.start >= killAt).map((a) => a.key));
    const figures = {
      load: summarize(result), cutOff: onVictim.length, retriedElsewhere: movedKeys.size, lateDecided: late.length,
      keys: keys.size, storedDecisions: Number(stored?.n), lost: integrity.seenButMissing, doubleApprovals: integrity.doubleApprovals,
      firstDecisionAfterKillMs: firstDecisionAfter(result.attempts.filter((a) => a.instance === 1), killAt),
    };
    report('service-kill', figures);

    expect(victim.exit()?.signal).toBe('SIGKILL');
    expect(survivor.exit()).toBeNull();
    expect(late.length, 'keys never decided on the survivor').toBe(result.unresolved.length);
    // No answer from the killed process; a 409 while the database still holds its dead transaction's key.
    const allowed = (a: Attempt) => a.status === null || isProper503(a) || (a.status === 409 && a.problem === 'IDEMPOTENCY_IN_PROGRESS');
    expect(unexpected(result.attempts, allowed), 'a 500 or another refusal').toEqual([]);
    expect(keys.size).toBe(decided.length); // no key decided twice under two ids
    expect(Number(stored?.n), 'stored decisions of this phase vs keys decided').toBe(keys.size);
    expect(integrity.seenButMissing).toBe(0);
    expect(integrity.keyMismatches).toBe(0);
    expect(integrity.doubleApprovals).toBe(0);
    expect(integrity.chainOk).toBe(true);
    expect(errorLogs(survivor)).toEqual([]);
  }, 120_000);
});
