// Decisions with BPJS_PROVIDER=http against the simulator behind the TCP fault proxy: whatever the
// upstream does wrong, the gate answers in time with a BLOCKED decision that says "try again"
// (retryable MEMBERSHIP_UNVERIFIED / PROJECT_UNVERIFIED), never APPROVED.
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProxyMode } from '../helpers/tcp-proxy.ts';
import type { SimulatorKnobs } from '../../src/bpjs/simulator.ts';
import { insertWorker, NOW, query, type ProjectFixture, type WorkerFixture } from '../disbursements/fixtures.ts';
import { buildLiveApp, deadUrl, participantOf, reasonCodes, registrationOf, insertProject } from './live-app.ts';

const DEADLINE_MS = 1000;
/** What a decision may take beyond BPJS_DEADLINE_MS: its own queries and transaction. */
const MARGIN_MS = 400;

describe('decisions against a failing upstream', async () => {
  const live = await buildLiveApp({ BPJS_DEADLINE_MS: String(DEADLINE_MS), BPJS_TIMEOUT_MS: '400' });
  const { t, upstream } = live;
  const stats = () => upstream.sim.simulator.stats;

  /** A project and a worker that BPJS knows as fully compliant: only the fault can block them. */
  async function compliantOnBpjs(): Promise<{ project: ProjectFixture; worker: WorkerFixture }> {
    const project = await insertProject(t.database);
    const worker = await insertWorker(t.database, project.id);
    upstream.sim.simulator.putData({ participants: [participantOf(worker, project)], projects: [registrationOf(project)] });
    return { project, worker };
  }

  beforeEach(() => {
    upstream.reset();
    live.fresh(); // a closed breaker for every case
  });

  it('approves when the upstream is healthy (the control for every fault below)', async () => {
    const { project } = await compliantOnBpjs();
    const { res, ms } = await live.decide(project);
    expect(res.statusCode).toBe(201);
    expect(res.json().decision).toBe('APPROVED');
    expect(stats().calls).toEqual({ participants: 1, projects: 1 });
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  type Fault = { knobs?: Partial<SimulatorKnobs>; proxy?: ProxyMode; dead?: boolean; timeoutMs?: number };
  const faults: Array<[string, Fault]> = [
    ['nothing listening (connection refused)', { dead: true }],
    ['the connection closed without an answer (proxy close)', { proxy: { kind: 'close' } }],
    ['the connection reset (proxy RST)', { proxy: { kind: 'reset' } }],
    ['a slow network (proxy delay beyond the deadline)', { proxy: { kind: 'delay', ms: 3000 } }],
    ['a slow upstream (latency beyond the deadline)', { knobs: { latencyMs: 5000 } }],
    ['a slow upstream with a per-call timeout longer than the deadline', { knobs: { latencyMs: 5000 }, timeoutMs: 10_000 }],
    ['an upstream that never answers', { knobs: { timeoutRate: 1 } }],
    ['malformed answers (schema broken)', { knobs: { malformedRate: 1 } }],
    ['garbage answers (JSON cut short)', { knobs: { script: Array(50).fill('garbage') } }],
    ['oversized answers (2 MiB, streamed)', { knobs: { oversizedRate: 1 } }],
    ['429 with Retry-After', { knobs: { rateLimitRate: 1, retryAfterSeconds: 1 } }],
    ['503 on every call', { knobs: { errorRate: 1 } }],
  ];

  it.each(faults)('blocks, retryable and within the deadline, on %s', async (_name, fault) => {
    const { project, worker } = await compliantOnBpjs();
    if (fault.knobs) upstream.reset(fault.knobs);
    if (fault.proxy) upstream.proxy.setMode(fault.proxy);
    if (fault.dead) live.fresh({ baseUrl: await deadUrl() });
    if (fault.timeoutMs) live.fresh({ timeoutMs: fault.timeoutMs });
    const connectionsBefore = upstream.proxy.connections;

    const { res, ms } = await live.decide(project);

    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.decision).toBe('BLOCKED');
    expect(reasonCodes(body)).toEqual(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);
    expect(body.reasons).toEqual([
      expect.objectContaining({ code: 'MEMBERSHIP_UNVERIFIED', severity: 'block', retryable: true, workers: [{ nik: worker.nik, name: worker.name }] }),
      expect.objectContaining({ code: 'PROJECT_UNVERIFIED', severity: 'block', retryable: true }),
    ]);
    expect(body.summary).toEqual({ workersChecked: 1, compliant: 0, nonCompliant: 0, unverified: 1 });
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    // The fault really was met on the way (not skipped): the upstream or the proxy saw the calls.
    if (fault.dead) expect(upstream.proxy.connections).toBe(connectionsBefore);
    else if (fault.proxy) expect(upstream.proxy.connections).toBeGreaterThan(connectionsBefore);
    else expect(stats().calls.participants).toBeGreaterThan(0);
  });

  it('keeps ten concurrent decisions against a hanging upstream within the deadline (no pile-up)', async () => {
    const projects = await Promise.all(Array.from({ length: 10 }, () => compliantOnBpjs()));
    upstream.reset({ timeoutRate: 1 });
    const started = performance.now();
    const answers = await Promise.all(projects.map(({ project }) => live.decide(project)));
    const wall = performance.now() - started;
    for (const { res, ms } of answers) {
      expect(res.statusCode).toBe(201);
      expect(reasonCodes(res.json())).toEqual(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    }
    expect(wall).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });

  it('judges only the workers BPJS left out of a partial answer as unverified', async () => {
    const project = await insertProject(t.database);
    const workers = [await insertWorker(t.database, project.id), await insertWorker(t.database, project.id), await insertWorker(t.database, project.id)]
      .sort((a, b) => (a.nik < b.nik ? -1 : 1));
    upstream.sim.simulator.putData({ participants: workers.map((w) => participantOf(w, project)), projects: [registrationOf(project)] });
    // A fresh registration, so the participants call is the only one and draws the randoms below.
    await query(t.database, `insert into project_registrations (registration_number, found, status, premium_paid, verified_at)
      values ('${project.registration}', true, 'PESERTA', 1750000, '${NOW.toISOString()}')`);
    upstream.reset({ omitRate: 0.5 });
    upstream.queueDraws([0.9, 0.1, 0.9]); // the second NIK is left out
    const { res } = await live.decide(project);
    expect(res.json().decision).toBe('BLOCKED');
    expect(res.json().reasons).toEqual([
      expect.objectContaining({ code: 'MEMBERSHIP_UNVERIFIED', retryable: true, workers: [{ nik: workers[1]!.nik, name: workers[1]!.name }] }),
    ]);
    expect(res.json().summary).toEqual({ workersChecked: 3, compliant: 2, nonCompliant: 0, unverified: 1 });
    expect(stats().calls).toEqual({ participants: 1, projects: 0 });
  });

  it('leaves nothing stored by a failed refresh, so the next request tries again and passes once BPJS answers', async () => {
    const { project } = await compliantOnBpjs();
    upstream.reset({ errorRate: 1 });
    expect((await live.decide(project)).res.json().decision).toBe('BLOCKED');
    upstream.reset();
    live.fresh();
    const { res } = await live.decide(project);
    expect(res.json().decision).toBe('APPROVED');
    expect(stats().calls).toEqual({ participants: 1, projects: 1 });
  });
});
