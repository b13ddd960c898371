// The circuit breaker: opens after consecutive failures, keeps calls away from the upstream while
// open, lets one probe through after BPJS_BREAKER_RESET_MS and closes when the upstream is back.
import { beforeEach, describe, expect, it } from 'vitest';
import { createBpjsClient } from '../../src/bpjs/client.ts';
import { breakerState, upstreamCalls } from '../../src/ops/metrics.ts';
import { activeParticipant, API_KEY, deadlineIn, fixtureData, makeNiks, startUpstream, timed } from './harness.ts';

const RESET_MS = 300;
const manyNiks = makeNiks(1000);
const data = fixtureData();
data.participants.push(...manyNiks.map((nik, i) => activeParticipant(nik, i)));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const gauge = async () => (await breakerState.get()).values[0]?.value;

describe('BPJS circuit breaker', async () => {
  const upstream = await startUpstream(data);
  const stats = () => upstream.sim.simulator.stats;
  const known = data.participants.slice(0, 3).map((p) => p.nik);
  // Three tries per batch and a threshold of three: one failing batch opens the breaker (with more
  // tries, the backoff could outlast the short reset time and a retry would already be the probe).
  const newClient = () => createBpjsClient({
    baseUrl: upstream.url, apiKey: API_KEY, timeoutMs: 500, breakerResetMs: RESET_MS, breakerThreshold: 3, maxAttempts: 3,
  });

  beforeEach(() => upstream.reset());

  it('opens after consecutive failures, sends nothing while open, probes after the reset time and closes on recovery', async () => {
    const client = newClient();
    upstream.reset({ errorRate: 1 });
    const first = await client.fetchParticipants(known, deadlineIn(3000));
    expect(first.failed).toHaveLength(3);
    expect(stats().calls.participants).toBe(3); // the third consecutive failure opened it
    expect(client.breakerState()).toBe('open');
    expect(await gauge()).toBe(1);

    // While open: rejected at once, and the upstream sees no call at all.
    const rejectedBefore = (await upstreamCalls.get()).values.find((v) => v.labels.outcome === 'breaker_open')?.value ?? 0;
    const whileOpen = await timed(() => client.fetchParticipants(manyNiks, deadlineIn(3000)));
    expect(whileOpen.result.failed).toHaveLength(1000);
    expect(whileOpen.ms).toBeLessThan(100);
    expect(stats().calls.participants).toBe(3);
    const rejectedAfter = (await upstreamCalls.get()).values.find((v) => v.labels.outcome === 'breaker_open')?.value ?? 0;
    expect(rejectedAfter - rejectedBefore).toBe(10);

    // After the reset time the upstream is back: one probe, then everything flows again.
    upstream.reset();
    await sleep(RESET_MS + 50);
    const recovered = await client.fetchParticipants(manyNiks, deadlineIn(3000));
    expect(recovered.failed).toEqual([]);
    expect(recovered.answers.size).toBe(1000);
    expect(stats().calls.participants).toBe(10); // the probe and the nine batches that waited for it
    expect(client.breakerState()).toBe('closed');
    expect(await gauge()).toBe(0);
  });

  it('opens again when the probe fails, after a single call', async () => {
    const client = newClient();
    upstream.reset({ errorRate: 1 });
    await client.fetchParticipants(known, deadlineIn(3000));
    expect(client.breakerState()).toBe('open');
    await sleep(RESET_MS + 50);
    upstream.sim.simulator.resetStats();
    const probe = await client.fetchParticipants(manyNiks, deadlineIn(3000));
    expect(probe.failed).toHaveLength(1000);
    expect(stats().calls.participants).toBe(1);
    expect(client.breakerState()).toBe('open');
  });

  it('counts network faults too: resets through the proxy open it', async () => {
    const client = newClient();
    upstream.proxy.setMode({ kind: 'reset' });
    await client.fetchParticipants(known, deadlineIn(3000));
    expect(client.breakerState()).toBe('open');
    const connections = upstream.proxy.connections;
    await client.fetchParticipants(known, deadlineIn(3000));
    expect(upstream.proxy.connections).toBe(connections); // not even a connection attempt while open
  });

  it('a waiting batch never outlives its deadline while the probe hangs', async () => {
    const client = newClient();
    upstream.reset({ errorRate: 1 });
    await client.fetchParticipants(known, deadlineIn(3000));
    await sleep(RESET_MS + 50);
    upstream.reset({ timeoutRate: 1 });
    const { result, ms } = await timed(() => client.fetchParticipants(manyNiks, deadlineIn(400)));
    expect(result.failed).toHaveLength(1000);
    expect(ms).toBeLessThan(400 + 100);
    expect(stats().calls.participants).toBe(1); // only the probe reached the upstream
  });

  it('serves participants and projects through one breaker for the one upstream', async () => {
    const client = newClient();
    upstream.reset({ errorRate: 1 });
    await client.fetchParticipants(known, deadlineIn(3000));
    const projects = await client.fetchProjects(['250100012345'], deadlineIn(3000));
    expect(projects.failed).toEqual(['250100012345']);
    expect(stats().calls.projects).toBe(0);
  });
});
