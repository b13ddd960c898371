// Shared set-up for the adapter's tests: the simulator on 127.0.0.1 behind the fault proxy.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import { buildSimulator, simulatorDataSchema, type Simulator, type SimulatorData, type SimulatorKnobs } from '../../src/bpjs/simulator.ts';
import type { UpstreamParticipantFound } from '../../src/bpjs/wire.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

export const API_KEY = 'test-bpjs-key';

export function fixtureData(): SimulatorData {
  const raw: unknown = JSON.parse(readFileSync(new URL('../fixtures/bpjs-sim-data.json', import.meta.url), 'utf8'));
  return simulatorDataSchema.parse(raw);
}

/** `count` distinct valid NIKs (Palembang, district 01, born 01-01-1990, serials from `from`). */
export function makeNiks(count: number, from = 1): string[] {
  if (from + count - 1 > 9999) throw new Error('makeNiks: at most serial 9999');
  return Array.from({ length: count }, (_, i) => '167101010190' + String(from + i).padStart(4, '0'));
}

export function activeParticipant(nik: string, i = 0): UpstreamParticipantFound {
  return {
    nik, found: true, kpj: String(30_000_000_000 + i), name: `Pekerja ${i}`, status: 'AKTIF', programs: ['JKK', 'JKM'],
    coverageStart: '2025-01-06', coverageEnd: '2026-12-31', segment: 'JAKON', projectNumber: '250100012345',
  };
}

export interface Upstream {
  sim: Simulator;
  proxy: TcpProxy;
  /** The proxy's URL: what the adapter is pointed at. */
  url: string;
  /** Clears scripts and rates, the proxy's fault and the call counts. */
  reset(knobs?: Partial<SimulatorKnobs>): void;
  /** The simulator's next random draws (then Math.random again), for deterministic rates. */
  queueDraws(draws: number[]): void;
}

/** Starts the simulator and the proxy for this test file; both stop when the file ends. */
export async function startUpstream(data: SimulatorData = fixtureData()): Promise<Upstream> {
  const draws: number[] = [];
  const sim = buildSimulator({ data, apiKey: API_KEY, random: () => draws.shift() ?? Math.random() });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  const port = (sim.server.address() as AddressInfo).port;
  const proxy = await startTcpProxy({ host: '127.0.0.1', port });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });
  return {
    sim,
    proxy,
    url: proxy.url,
    reset(knobs = {}) {
      sim.simulator.setKnobs({
        latencyMs: 0, errorRate: 0, timeoutRate: 0, malformedRate: 0, oversizedRate: 0, rateLimitRate: 0,
        retryAfterSeconds: 1, omitRate: 0, script: [], ...knobs,
      });
      sim.simulator.resetStats();
      proxy.setMode({ kind: 'pass' });
      draws.length = 0;
    },
    queueDraws(values) {
      draws.push(...values);
    },
  };
}

export const deadlineIn = (ms: number) => new Date(Date.now() + ms);

/** Runs `fn` and returns its result with the wall time it took, in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, ms: performance.now() - started };
}
