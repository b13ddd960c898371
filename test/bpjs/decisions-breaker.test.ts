// The circuit breaker as a decision sees it: a failing upstream opens it, decisions made while it
// is open do not call the upstream at all (and answer at once, BLOCKED and retryable), and after
// BPJS_BREAKER_RESET_MS a recovered upstream closes it again and the same request is APPROVED.
import { describe, expect, it } from 'vitest';
import { breakerState } from '../../src/ops/metrics.ts';
import { insertWorker } from '../disbursements/fixtures.ts';
import { buildLiveApp, participantOf, reasonCodes, registrationOf, insertProject } from './live-app.ts';

const DEADLINE_MS = 1000;
const RESET_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gauge = async () => (await breakerState.get()).values[0]?.value;

describe('the circuit breaker in decisions', async () => {
  const live = await buildLiveApp({ BPJS_DEADLINE_MS: String(DEADLINE_MS), BPJS_TIMEOUT_MS: '300', BPJS_BREAKER_RESET_MS: String(RESET_MS) });
  const { t, upstream } = live;
  const stats = () => upstream.sim.simulator.stats;

  it('opens on a failing upstream, keeps decisions away from it while open, and closes after recovery', async () => {
    upstream.reset({ errorRate: 1 });
    const project = await insertProject(t.database);
    const worker = await insertWorker(t.database, project.id);
    upstream.sim.simulator.putData({ participants: [participantOf(worker, project)], projects: [registrationOf(project)] });

    // 1. Every call fails: the fifth consecutive failure (both endpoints share the breaker) opens it.
    const failing = await live.decide(project);
    expect(failing.res.json().decision).toBe('BLOCKED');
    expect(reasonCodes(failing.res.json())).toEqual(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);
    const openedAt = Date.now();
    expect(live.provider.client.breakerState()).toBe('open');
    expect(await gauge()).toBe(1);
    // Five failures open it; the other call may have been in flight by then (both run at once).
    const reached = stats().calls.participants + stats().calls.projects;
    expect(reached).toBeGreaterThanOrEqual(5);
    expect(reached).toBeLessThanOrEqual(6);

    // 2. The upstream is healthy again, but the breaker is open: nothing reaches it, and the
    // decision does not wait for the deadline.
    upstream.reset();
    const connections = upstream.proxy.connections;
    const whileOpen = await live.decide(project);
    expect(Date.now() - openedAt).toBeLessThan(RESET_MS); // still inside the open window
    expect(whileOpen.res.statusCode).toBe(201);
    expect(whileOpen.res.json().decision).toBe('BLOCKED');
    expect(whileOpen.res.json().reasons.map((r: { code: string; retryable: boolean }) => [r.code, r.retryable]))
      .toEqual([['MEMBERSHIP_UNVERIFIED', true], ['PROJECT_UNVERIFIED', true]]);
    expect(stats().calls).toEqual({ participants: 0, projects: 0 });
    expect(upstream.proxy.connections).toBe(connections);
    expect(whileOpen.ms).toBeLessThan(300);

    // 3. After BPJS_BREAKER_RESET_MS one probe goes through, succeeds and closes the breaker; the
    // other call waited for it. The same request now passes.
    await sleep(RESET_MS - (Date.now() - openedAt) + 100);
    const recovered = await live.decide(project);
    expect(recovered.res.statusCode).toBe(201);
    expect(recovered.res.json().decision).toBe('APPROVED');
    expect(recovered.res.json().reasons).toEqual([]);
    expect(stats().calls).toEqual({ participants: 1, projects: 1 });
    expect(live.provider.client.breakerState()).toBe('closed');
    expect(await gauge()).toBe(0);
    expect(recovered.ms).toBeLessThan(DEADLINE_MS);
  });

  it('opens again when the probe fails, and still answers within the deadline', async () => {
    live.fresh();
    upstream.reset({ errorRate: 1 });
    const project = await insertProject(t.database);
    const worker = await insertWorker(t.database, project.id);
    upstream.sim.simulator.putData({ participants: [participantOf(worker, project)], projects: [registrationOf(project)] });
    await live.decide(project);
    expect(live.provider.client.breakerState()).toBe('open');

    await sleep(RESET_MS + 100);
    upstream.reset({ errorRate: 1 });
    const probed = await live.decide(project);
    expect(probed.res.json().decision).toBe('BLOCKED');
    expect(probed.ms).toBeLessThan(DEADLINE_MS + 400);
    // One probe only: the failed probe reopens the breaker and the waiting call is refused.
    expect(stats().calls.participants + stats().calls.projects).toBe(1);
    expect(live.provider.client.breakerState()).toBe('open');
  });
});
