// The adapter's HTTP client against the real simulator over 127.0.0.1, with network faults put in
// by the TCP proxy. Each test builds its own client, so breaker state never leaks between tests.
import { beforeEach, describe, expect, it } from 'vitest';
import { createBpjsClient, parseRetryAfter, type BpjsClientOptions } from '../../src/bpjs/client.ts';
import { upstreamCalls } from '../../src/ops/metrics.ts';
import { activeParticipant, API_KEY, deadlineIn, fixtureData, makeNiks, startUpstream, timed } from './harness.ts';

const manyNiks = makeNiks(1000);
const data = fixtureData();
data.participants.push(...manyNiks.map((nik, i) => activeParticipant(nik, i)));

describe('BPJS client', async () => {
  const upstream = await startUpstream(data);
  const client = (overrides: Partial<BpjsClientOptions> = {}) =>
    createBpjsClient({ baseUrl: upstream.url, apiKey: API_KEY, timeoutMs: 500, breakerResetMs: 30_000, ...overrides });
  const stats = () => upstream.sim.simulator.stats;
  const known = data.participants.slice(0, 3).map((p) => p.nik);

  beforeEach(() => upstream.reset());

  it('answers known and unknown NIKs, the unknown as found:false', async () => {
    const { answers, failed } = await client().fetchParticipants([...known, '1671011505909999'], deadlineIn(3000));
    expect(failed).toEqual([]);
    expect(answers.get(known[0] as string)).toMatchObject({ found: true, status: 'AKTIF', kpj: '25010000001' });
    expect(answers.get('1671011505909999')).toEqual({ nik: '1671011505909999', found: false });
  });

  it('asks for 1,000 NIKs in exactly 10 calls of at most 100, no more than 4 in flight', async () => {
    upstream.reset({ latencyMs: 100 });
    const { result, ms } = await timed(() => client().fetchParticipants(manyNiks, deadlineIn(6000)));
    expect(result.failed).toEqual([]);
    expect(result.answers.size).toBe(1000);
    expect(stats().calls.participants).toBe(10);
    expect(stats().batchSizes.every((n) => n <= 100)).toBe(true);
    expect(stats().batchSizes.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(stats().maxInFlight).toBe(4);
    expect(ms).toBeGreaterThanOrEqual(300); // 10 batches in waves of 4: three waves of 100 ms
  });

  it('bounds the calls in flight over concurrent fetches too', async () => {
    upstream.reset({ latencyMs: 100 });
    const c = client({ maxInFlight: 6 });
    const [a, b] = await Promise.all([c.fetchParticipants(manyNiks, deadlineIn(6000)), c.fetchParticipants(manyNiks, deadlineIn(6000))]);
    expect(a.failed).toEqual([]);
    expect(b.failed).toEqual([]);
    expect(stats().calls.participants).toBe(20);
    expect(stats().maxInFlight).toBe(6);
  });

  it('fails what could not get a call slot before the deadline', async () => {
    upstream.reset({ latencyMs: 400 });
    const c = client({ maxInFlight: 1, timeoutMs: 1000 });
    const { result, ms } = await timed(() => c.fetchParticipants(manyNiks.slice(0, 300), deadlineIn(600)));
    expect(result.answers.size).toBe(100);
    expect(result.failed).toHaveLength(200);
    expect(stats().calls.participants).toBe(2); // the second got the slot with too little time left; the third never called
    expect(ms).toBeLessThan(600 + 100);
  });

  it('asks each NIK once, however often it is given', async () => {
    const { answers, failed } = await client().fetchParticipants([...known, ...known, ...known], deadlineIn(3000));
    expect(failed).toEqual([]);
    expect(answers.size).toBe(3);
    expect(stats().batchSizes).toEqual([3]);
  });

  it('makes no call for an empty list', async () => {
    const result = await client().fetchParticipants([], deadlineIn(3000));
    expect(result).toEqual({ answers: new Map(), failed: [] });
    expect(stats().calls.participants).toBe(0);
  });

  it('retries 5xx with backoff and then succeeds', async () => {
    upstream.reset({ script: ['error', 'error', 'ok'] });
    const { answers, failed } = await client().fetchParticipants(known, deadlineIn(3000));
    expect(failed).toEqual([]);
    expect(answers.size).toBe(3);
    expect(stats().calls.participants).toBe(3);
  });

  it('honours Retry-After on 429 before trying again', async () => {
    upstream.reset({ script: ['rate-limit', 'ok'], retryAfterSeconds: 1 });
    const { result, ms } = await timed(() => client().fetchParticipants(known, deadlineIn(3000)));
    expect(result.failed).toEqual([]);
    expect(stats().calls.participants).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(990);
  });

  it('gives up at once when Retry-After lies beyond the deadline', async () => {
    upstream.reset({ rateLimitRate: 1, retryAfterSeconds: 10 });
    const { result, ms } = await timed(() => client().fetchParticipants(known, deadlineIn(2000)));
    expect(result.failed.sort()).toEqual([...known].sort());
    expect(stats().calls.participants).toBe(1);
    expect(ms).toBeLessThan(500);
  });

  it('fails every NIK when 5xx persists, within the deadline and a bounded number of tries', async () => {
    upstream.reset({ errorRate: 1 });
    const { result, ms } = await timed(() => client().fetchParticipants(known, deadlineIn(3000)));
    expect(result.answers.size).toBe(0);
    expect(result.failed.sort()).toEqual([...known].sort());
    expect(stats().calls.participants).toBe(4);
    expect(ms).toBeLessThan(3000);
  });

  it('times out a call that is never answered, retries, and fails within the deadline', async () => {
    upstream.reset({ timeoutRate: 1 });
    const { result, ms } = await timed(() => client({ timeoutMs: 300 }).fetchParticipants(known, deadlineIn(1200)));
    expect(result.failed.sort()).toEqual([...known].sort());
    expect(stats().calls.participants).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(1200 + 100);
  });

  it('never waits past the deadline even when it is shorter than the timeout per call', async () => {
    upstream.reset({ timeoutRate: 1 });
    const { result, ms } = await timed(() => client({ timeoutMs: 5000 }).fetchParticipants(known, deadlineIn(400)));
    expect(result.failed).toHaveLength(3);
    expect(ms).toBeLessThan(400 + 100);
  });

  it('fails a batch whose answer breaks the schema, and does not retry it', async () => {
    upstream.reset({ script: ['malformed', 'ok'] });
    const { result } = await timed(() => client().fetchParticipants(known, deadlineIn(3000)));
    expect(result.answers.size).toBe(0);
    expect(result.failed).toHaveLength(3);
    expect(stats().calls.participants).toBe(1);
  });

  it('fails a batch whose answer is not JSON at all', async () => {
    upstream.reset({ script: ['garbage'] });
    const { answers, failed } = await client().fetchParticipants(known, deadlineIn(3000));
    expect(answers.size).toBe(0);
    expect(failed).toHaveLength(3);
  });

  it('stops reading an oversized answer (streamed without a length) and fails the batch', async () => {
    upstream.reset({ oversizedRate: 1, oversizedBytes: 8 * 1024 * 1024 });
    const { result, ms } = await timed(() => client().fetchParticipants(known, deadlineIn(3000)));
    expect(result.answers.size).toBe(0);
    expect(result.failed).toHaveLength(3);
    expect(stats().calls.participants).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it('refuses an answer whose declared length is past the cap', async () => {
    const { answers, failed } = await client({ maxResponseBytes: 200 }).fetchParticipants(known, deadlineIn(3000));
    expect(answers.size).toBe(0);
    expect(failed).toHaveLength(3);
  });

  it('fails only the NIKs an answer leaves out', async () => {
    upstream.reset({ omitRate: 0.5 });
    upstream.queueDraws([0.9, 0.1, 0.9]); // keep, omit, keep
    const { answers, failed } = await client().fetchParticipants(known, deadlineIn(3000));
    expect(failed).toEqual([known[1]]);
    expect([...answers.keys()].sort()).toEqual([known[0], known[2]].sort());
  });

  it('fails on a connection reset (RST) and on a connection closed without an answer, within the deadline', async () => {
    for (const kind of ['reset', 'close'] as const) {
      upstream.reset();
      upstream.proxy.setMode({ kind });
      const { result, ms } = await timed(() => client().fetchParticipants(known, deadlineIn(2000)));
      expect(result.answers.size, kind).toBe(0);
      expect(result.failed, kind).toHaveLength(3);
      expect(stats().calls.participants, kind).toBe(0); // nothing reached the upstream
      expect(ms, kind).toBeLessThan(2000);
    }
  });

  it('treats a slow network (delay past the timeout) as a timeout, and recovers when it is fast again', async () => {
    upstream.proxy.setMode({ kind: 'delay', ms: 600 });
    const c = client({ timeoutMs: 250, maxAttempts: 2 });
    const slow = await timed(() => c.fetchParticipants(known, deadlineIn(1500)));
    expect(slow.result.failed).toHaveLength(3);
    expect(slow.ms).toBeLessThan(1500);
    upstream.proxy.setMode({ kind: 'pass' });
    const fast = await c.fetchParticipants(known, deadlineIn(2000));
    expect(fast.failed).toEqual([]);
    expect(fast.answers.size).toBe(3);
  });

  it('does not retry a refused API key', async () => {
    const { answers, failed } = await client({ apiKey: 'wrong' }).fetchParticipants(known, deadlineIn(3000));
    expect(answers.size).toBe(0);
    expect(failed).toHaveLength(3);
    expect(stats().unauthorized).toBe(1);
  });

  it('answers project registrations, the unknown as found:false', async () => {
    const { answers, failed } = await client().fetchProjects(['250100012345', '250100067890', '999'], deadlineIn(3000));
    expect(failed).toEqual([]);
    expect(answers.get('250100012345')).toMatchObject({ found: true, status: 'PESERTA', premiumPaid: 2171621 });
    expect(answers.get('250100067890')).toMatchObject({ found: true, status: 'MENDAFTAR' });
    expect(answers.get('999')).toEqual({ projectNumber: '999', found: false });
    expect(stats().calls.projects).toBe(1);
  });

  it('counts calls by outcome in the metrics', async () => {
    // prom-client hands out its live value objects, so read the numbers out at once.
    const count = async (outcome: string) =>
      (await upstreamCalls.get()).values.find((v) => v.labels.endpoint === 'participants' && v.labels.outcome === outcome)?.value ?? 0;
    const before = { error: await count('server_error'), ok: await count('ok') };
    upstream.reset({ script: ['error', 'ok'] });
    await client().fetchParticipants(known, deadlineIn(3000));
    expect((await count('server_error')) - before.error).toBe(1);
    expect((await count('ok')) - before.ok).toBe(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
