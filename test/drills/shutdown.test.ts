// Drill: SIGTERM while decisions are in flight (contract, Operations: in-flight requests finish,
// waiting at least BPJS_DEADLINE_MS + 2 s for them, new ones are answered 503, exit code 0). Then
// no decision is lost or half-written: every decision a client saw is stored with its audit event,
// and a client that got no answer retries its Idempotency-Key on the next instance and gets
// exactly one decision.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSimulator, type Simulator } from '../../src/bpjs/simulator.ts';
import { httpClient, startLoad, type Attempt, type Decided } from './load.ts';
import { checkIntegrity, errorLogs, isProper503, LONG, report, setupDrill, SKIP_DRILLS, sleep, summarize, tallyOf, type Drill } from './harness.ts';

/** closeWithGrace's delay in src/server.ts with the default BPJS_DEADLINE_MS: 6 s + 2 s + 1 s. */
const GRACE_MS = 9_000;

/** In-flight when the signal came, and sent after it. */
// kill() returns before the server's event loop has run its SIGTERM handler: a request sent in
// that moment is still accepted, legitimately. Such requests may finish (2xx) or be refused; only
// requests sent after this window must be refused.
const SIGNAL_HANDLING_MS = 250;

function split(attempts: readonly Attempt[], termAt: number) {
  return {
    inFlight: attempts.filter((a) => a.start < termAt && a.end > termAt),
    racingTheSignal: attempts.filter((a) => a.start >= termAt && a.start < termAt + SIGNAL_HANDLING_MS),
    after: attempts.filter((a) => a.start >= termAt + SIGNAL_HANDLING_MS),
  };
}

/** New requests during shutdown: a 503 problem on a kept-alive connection, or no connection at all. */
const refusedWhileClosing = (a: Attempt): boolean =>
  (isProper503(a) && a.problem === 'SERVICE_UNAVAILABLE') || a.error === 'ECONNREFUSED' || a.error === 'ECONNRESET';

async function assertIntegrity(drill: Drill, decided: readonly Decided[]) {
  const integrity = await checkIntegrity(drill, decided);
  expect(integrity.decisions).toBeGreaterThan(0);
  expect(integrity.doubleApprovals).toBe(0);
  expect(integrity.approvedStagesRows).toBe(integrity.approved);
  expect(integrity.decisionsWithoutEvent, 'decisions without their audit event').toBe(0);
  expect(integrity.eventsWithoutDecision).toBe(0);
  expect(integrity.seenButMissing, 'decisions answered 200/201 that the database does not hold').toBe(0);
  expect(integrity.keyMismatches).toBe(0);
  expect(integrity.chainOk).toBe(true);
  expect(integrity.verify).toMatchObject({ ok: true, checked: integrity.auditEvents, headSeq: integrity.auditEvents });
  return integrity;
}

describe.skipIf(SKIP_DRILLS)('drill: graceful shutdown under a load of decisions', () => {
  let drill: Drill;
  beforeAll(async () => {
    drill = await setupDrill();
  });
  afterAll(async () => {
    await drill?.destroy();
  });

  it('finishes in-flight decisions, refuses new requests, exits 0, and a retry on the next instance decides each key once', async () => {
    const service = drill.service;
    const load = startLoad({ baseUrl: service.baseUrl, clients: drill.finance, projectIds: drill.projectIds, stageAt: (ms) => `TERMIN_${1 + Math.floor(ms / 250)}` });
    await sleep(LONG ? 10_000 : 2_500);
    const termAt = performance.now();
    service.signal('SIGTERM');
    const exit = await service.exited;
    await sleep(300);
    const result = await load.stop();
    const { inFlight, racingTheSignal, after } = split(result.attempts, termAt);

    // The clients that got no decision retry with the same key on the next instance.
    const next = await drill.restartService();
    const api = httpClient(next.baseUrl);
    const retried: Decided[] = [];
    for (const u of result.unresolved) {
      const token = drill.finance.find((f) => f.sub === u.sub)!.token;
      const res = await api.send('POST', '/v1/disbursements', { authorization: `Bearer ${token}`, 'idempotency-key': u.key }, u.body);
      const body = res.body as { id: string; decision: string };
      retried.push({ sub: u.sub, key: u.key, projectId: u.body.projectId, stage: u.body.stage, status: res.status as 200 | 201, decisionId: body.id, decision: body.decision, at: performance.now() });
    }
    api.close();
    const integrity = await assertIntegrity(drill, [...result.decided, ...retried]);
    report('shutdown', {
      load: summarize(result), exitCode: exit.code, exitAfterTermMs: Math.round(exit.at - termAt),
      inFlight: tallyOf(inFlight), inFlightLongestMs: Math.round(Math.max(0, ...inFlight.map((a) => a.end - termAt))),
      newRequests: tallyOf(after), retriedOnNextInstance: tallyOf(retried.map((r) => ({ status: r.status }))), integrity,
    });

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - termAt).toBeLessThan(GRACE_MS);
    expect(inFlight.length, 'no request was in flight at SIGTERM').toBeGreaterThan(0);
    expect(inFlight.filter((a) => a.status !== 201 && a.status !== 200), 'in-flight requests that did not finish').toEqual([]);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((a) => !refusedWhileClosing(a)), 'new requests answered otherwise than 503 or refused').toEqual([]);
    expect(racingTheSignal.filter((a) => !refusedWhileClosing(a) && a.status !== 201 && a.status !== 200), 'requests racing the signal that failed').toEqual([]);
    expect(result.attempts.filter((a) => a.start < termAt && a.status !== 200 && a.status !== 201), 'failures before SIGTERM').toEqual([]);
    expect(retried.filter((r) => r.status !== 200 && r.status !== 201), 'retries on the next instance that got no decision').toEqual([]);
    expect(errorLogs(service), 'error-level log lines').toEqual([]);
  }, 120_000);
});

// The worst case the contract names: decisions that wait the whole BPJS_DEADLINE_MS for an upstream
// that never answers. SIGTERM comes while they wait; they must still be answered.
describe.skipIf(SKIP_DRILLS)('drill: graceful shutdown while decisions wait for a hung upstream', () => {
  let drill: Drill;
  let sim: Simulator;
  beforeAll(async () => {
    sim = buildSimulator({ data: { participants: [], projects: [] }, apiKey: 'drill-key' });
    await sim.listen({ port: 0, host: '127.0.0.1' });
    const port = (sim.server.address() as AddressInfo).port;
    drill = await setupDrill({
      clients: 6,
      // One call may take the whole deadline (6 s), so a decision waits exactly as long as the contract allows.
      env: {
        BPJS_PROVIDER: 'http', BPJS_API_URL: `http://127.0.0.1:${port}`, BPJS_API_KEY: 'drill-key', BPJS_TIMEOUT_MS: '6000', BPJS_DEADLINE_MS: '6000',
        MEMBERSHIP_MAX_AGE_HOURS: '0.0002',
      },
    });
    // BPJS knows everyone; it just never answers (timeoutRate 1), so every decision waits the deadline.
    sim.simulator.putData({
      participants: drill.projects.flatMap((p) => p.workers.map((w) => ({
        nik: w.nik, found: true as const, kpj: w.kpj, name: w.name, status: 'AKTIF' as const, programs: ['JKK', 'JKM'] as Array<'JKK' | 'JKM'>,
        coverageStart: p.startDate, coverageEnd: p.endDate, segment: 'JAKON' as const, projectNumber: p.registration,
      }))),
    });
    sim.simulator.setKnobs({ timeoutRate: 1 });
  });
  afterAll(async () => {
    await drill?.destroy();
    await sim?.close();
  });

  it('answers the decisions in flight (after the full upstream deadline) and exits 0', async () => {
    // Memberships become stale 0.72 s after import; wait for it so every decision asks the upstream.
    await sleep(1_000);
    const service = drill.service;
    const load = startLoad({ baseUrl: service.baseUrl, clients: drill.finance, projectIds: drill.projectIds, stageAt: () => 'TERMIN_1' });
    await sleep(1_000);
    const termAt = performance.now();
    service.signal('SIGTERM');
    const exit = await service.exited;
    await sleep(300);
    const result = await load.stop();
    const { inFlight, racingTheSignal, after } = split(result.attempts, termAt);
    const inFlightMs = inFlight.map((a) => Math.round(a.end - a.start));
    report('shutdown-hung-upstream', {
      exitCode: exit.code, exitAfterTermMs: Math.round(exit.at - termAt), inFlight: tallyOf(inFlight), inFlightDurationsMs: inFlightMs,
      inFlightDecisions: tallyOf(inFlight.map((a) => ({ status: a.decision ?? a.status }))), newRequests: tallyOf(after),
    });

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.at - termAt).toBeLessThan(GRACE_MS);
    expect(inFlight.length).toBe(drill.finance.length);
    expect(inFlight.filter((a) => a.status !== 201), 'in-flight decisions that were not answered').toEqual([]);
    // They really waited for the upstream: at least its deadline (BPJS_DEADLINE_MS, 6 s by default).
    expect(Math.min(...inFlightMs)).toBeGreaterThanOrEqual(5_500);
    expect(after.filter((a) => !refusedWhileClosing(a))).toEqual([]);
    expect(errorLogs(service), 'error-level log lines').toEqual([]);
    await drill.restartService();
    await assertIntegrity(drill, result.decided);
  }, 120_000);
});
