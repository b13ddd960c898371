// The whole app with BPJS_PROVIDER=http against the simulator (behind the TCP fault proxy), for
// decision- and route-level tests. The app holds a provider that forwards to a replaceable http
// provider, so a test can start from a fresh client (closed breaker) or point it elsewhere.
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import pino from 'pino';
import { pseudonymizer } from '../../src/audit/pseudonym.ts';
import type { BpjsClientOptions } from '../../src/bpjs/client.ts';
import { createHttpProvider, type HttpProvider } from '../../src/bpjs/provider.ts';
import type { UpstreamParticipantFound, UpstreamProjectFound } from '../../src/bpjs/wire.ts';
import type { MembershipProvider } from '../../src/memberships/provider.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { clock, decisionBody, type ProjectFixture, type WorkerFixture } from '../disbursements/fixtures.ts';
import { API_KEY, startUpstream, type Upstream } from './harness.ts';

export interface LiveApp {
  t: TestApp;
  upstream: Upstream;
  /** The http provider the app uses now. */
  readonly provider: HttpProvider;
  /** Replaces the provider with a new one (a new client: breaker closed, no calls in flight). */
  fresh(client?: Partial<BpjsClientOptions>): HttpProvider;
  /** POSTs a decision (admin, a new Idempotency-Key) and measures the wall time of the answer. */
  decide(project: { id: string }, body?: Record<string, unknown>): Promise<{ res: Awaited<ReturnType<TestApp['app']['inject']>>; ms: number }>;
}

export async function buildLiveApp(env: Record<string, string> = {}): Promise<LiveApp> {
  const upstream = await startUpstream({ participants: [], projects: [] });
  let current: HttpProvider | undefined;
  const now = (): HttpProvider => {
    if (!current) throw new Error('no provider yet');
    return current;
  };
  const forwarding: MembershipProvider = {
    name: 'http',
    refreshMemberships: (niks, deadline, meta) => now().refreshMemberships(niks, deadline, meta),
    refreshRegistrations: (numbers, deadline, meta) => now().refreshRegistrations(numbers, deadline, meta),
  };
  const t = await buildTestApp({
    clock,
    provider: forwarding,
    env: { BPJS_PROVIDER: 'http', BPJS_API_URL: upstream.url, BPJS_API_KEY: API_KEY, ...env },
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const pseudonymize = pseudonymizer(t.testKeys.keys.pseudonymKey);
  const fresh = (client: Partial<BpjsClientOptions> = {}) => {
    current = createHttpProvider({ config: t.config, database: t.database, logger, clock, pseudonymize, client });
    return current;
  };
  fresh();
  let keys = 0;
  return {
    t,
    upstream,
    get provider() {
      return now();
    },
    fresh,
    async decide(project, body = {}) {
      const headers = { ...(await t.auth('admin')), 'idempotency-key': `live-${++keys}` };
      const started = performance.now();
      const res = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers, payload: decisionBody(project, body) });
      return { res, ms: performance.now() - started };
    },
  };
}

/** BPJS's record of a worker covered through the project's Jakon registration (as the roster says). */
export function participantOf(worker: WorkerFixture, project: ProjectFixture, o: Partial<UpstreamParticipantFound> = {}): UpstreamParticipantFound {
  return {
    nik: worker.nik, found: true, kpj: worker.kpj, name: worker.name, status: 'AKTIF', programs: ['JKK', 'JKM'],
    coverageStart: '2025-07-01', coverageEnd: '2026-06-30', segment: 'JAKON', projectNumber: project.registration, ...o,
  };
}

/** BPJS's registration of the project: PESERTA with the whole premium (1,750,000) paid, unless told otherwise. */
export function registrationOf(project: ProjectFixture, o: Partial<UpstreamProjectFound> = {}): UpstreamProjectFound {
  return {
    projectNumber: project.registration, found: true, status: 'PESERTA', contractValue: 1_110_000_000, premiumRequired: 1_750_000,
    premiumPaid: 1_750_000, workersRegistered: 10, coverageStart: '2025-07-01', coverageEnd: '2026-06-30', ...o,
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export const reasonCodes = (body: { reasons: Array<{ code: string }> }): string[] => body.reasons.map((r) => r.code);

export { insertUnaskedProject as insertProject } from '../disbursements/fixtures.ts';
