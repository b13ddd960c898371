// Health while the upstream is down: /readyz answers for Gerbang itself (database, migrations),
// not for BPJS, so an outage never takes the service out of rotation; the metrics show the
// outage instead (calls by outcome, latency, the breaker's state).
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { registry, startMetricsServer } from '../../src/ops/metrics.ts';
import { insertWorker } from '../disbursements/fixtures.ts';
import { buildLiveApp, deadUrl, participantOf, reasonCodes, registrationOf, insertProject } from './live-app.ts';

const RESET_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one sample in Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return 0;
}

describe('health and metrics while the upstream is down', async () => {
  const live = await buildLiveApp({ BPJS_DEADLINE_MS: '1000', BPJS_TIMEOUT_MS: '300', BPJS_BREAKER_RESET_MS: String(RESET_MS) });
  const { t, upstream } = live;

  async function compliantOnBpjs() {
    const project = await insertProject(t.database);
    const worker = await insertWorker(t.database, project.id);
    upstream.sim.simulator.putData({ participants: [participantOf(worker, project)], projects: [registrationOf(project)] });
    return project;
  }

  it('keeps /readyz at 200 while nothing listens upstream and the breaker is open', async () => {
    live.fresh({ baseUrl: await deadUrl() });
    const project = await compliantOnBpjs();
    const { res } = await live.decide(project);
    expect(res.json().decision).toBe('BLOCKED');
    expect(live.provider.client.breakerState()).toBe('open');

    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', database: 'ok', migrations: 'ok', host: expect.any(String) });
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    // And the API itself keeps answering what needs no upstream.
    const dry = await t.app.inject({ url: `/v1/projects/${project.id}/compliance`, headers: await t.auth('admin') });
    expect(dry.statusCode).toBe(200);
  });

  it('exposes upstream calls by outcome, their latency and the breaker state, through an outage and its recovery', async () => {
    live.fresh();
    upstream.reset();
    const before = await registry.metrics();

    // Down: the proxy drops every connection; five failures open the breaker, later calls are refused.
    upstream.proxy.setMode({ kind: 'close' });
    const project = await compliantOnBpjs();
    expect(reasonCodes((await live.decide(project)).res.json())).toEqual(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);
    const down = await registry.metrics();
    const failed = (text: string) =>
      sample(text, 'gerbang_bpjs_calls_total', { endpoint: 'participants', outcome: 'network' })
      + sample(text, 'gerbang_bpjs_calls_total', { endpoint: 'projects', outcome: 'network' });
    expect(failed(down) - failed(before)).toBeGreaterThanOrEqual(5);
    const latencyCount = (text: string) => sample(text, 'gerbang_bpjs_call_duration_seconds_count', { endpoint: 'participants' });
    expect(latencyCount(down)).toBeGreaterThan(latencyCount(before));
    expect(sample(down, 'gerbang_bpjs_call_duration_seconds_bucket', { endpoint: 'participants', le: '+Inf' })).toBe(latencyCount(down));
    expect(sample(down, 'gerbang_bpjs_breaker_open')).toBe(1);
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);

    // While open: refused without a call, counted as such.
    const refusedBefore = sample(down, 'gerbang_bpjs_calls_total', { endpoint: 'participants', outcome: 'breaker_open' });
    await live.decide(project);
    const open = await registry.metrics();
    expect(sample(open, 'gerbang_bpjs_calls_total', { endpoint: 'participants', outcome: 'breaker_open' })).toBeGreaterThan(refusedBefore);

    // Back up: after the reset time the probe succeeds and the breaker closes.
    upstream.reset();
    await sleep(RESET_MS + 100);
    expect((await live.decide(project)).res.json().decision).toBe('APPROVED');
    const up = await registry.metrics();
    expect(sample(up, 'gerbang_bpjs_calls_total', { endpoint: 'participants', outcome: 'ok' }))
      .toBe(sample(open, 'gerbang_bpjs_calls_total', { endpoint: 'participants', outcome: 'ok' }) + 1);
    expect(sample(up, 'gerbang_bpjs_breaker_open')).toBe(0);

    // The same text is what GET /metrics serves on METRICS_PORT (no token).
    const config = loadConfig({ NODE_ENV: 'test', METRICS_PORT: '0', HOST: '127.0.0.1' });
    const server = await startMetricsServer(config, pino({ level: 'silent' }));
    try {
      const { port } = server.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain('# TYPE gerbang_bpjs_calls_total counter');
      expect(text).toContain('# TYPE gerbang_bpjs_call_duration_seconds histogram');
      expect(text).toContain('# TYPE gerbang_bpjs_breaker_open gauge');
      expect(sample(text, 'gerbang_bpjs_calls_total', { endpoint: 'participants', outcome: 'network' })).toBe(sample(up, 'gerbang_bpjs_calls_total', { endpoint: 'participants', outcome: 'network' }));
    } finally {
      await server.close();
    }
  });
});
