// The upstream simulator itself: the contract's calls, its bearer key, its limits and its knobs.
import { describe, expect, it } from 'vitest';
import { buildSimulator } from '../../src/bpjs/simulator.ts';
import { API_KEY, fixtureData, makeNiks } from './harness.ts';

describe('BPJS simulator', async () => {
  const sim = buildSimulator({ data: fixtureData(), apiKey: API_KEY });
  await sim.ready();
  const auth = { authorization: `Bearer ${API_KEY}` };

  it('answers both calls in the upstream shape', async () => {
    const people = await sim.inject({ method: 'POST', url: '/participants/status', headers: auth, payload: { niks: ['1671030107950003', '1671011505909999'] } });
    expect(people.statusCode).toBe(200);
    expect(people.json().results).toEqual([
      expect.objectContaining({ nik: '1671030107950003', found: true, segment: 'BPU', status: 'AKTIF' }),
      { nik: '1671011505909999', found: false },
    ]);
    const projects = await sim.inject({ method: 'POST', url: '/projects/status', headers: auth, payload: { projectNumbers: ['250100067890'] } });
    expect(projects.json().results).toEqual([expect.objectContaining({ projectNumber: '250100067890', status: 'MENDAFTAR', premiumPaid: 0 })]);
  });

  it('refuses a missing or wrong bearer key with 401', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }]) {
      const res = await sim.inject({ method: 'POST', url: '/participants/status', headers, payload: { niks: ['1671030107950003'] } });
      expect(res.statusCode).toBe(401);
    }
    expect((await sim.inject({ method: 'POST', url: '/__control', payload: { errorRate: 1 } })).statusCode).toBe(401);
  });

  it('refuses more than 100 entries in one call, as the upstream does', async () => {
    const res = await sim.inject({ method: 'POST', url: '/participants/status', headers: auth, payload: { niks: makeNiks(101) } });
    expect(res.statusCode).toBe(400);
  });

  it('takes knobs and data at run time', async () => {
    const bad = await sim.inject({ method: 'POST', url: '/__control', headers: auth, payload: { errorRate: 2 } });
    expect(bad.statusCode).toBe(400);
    const set = await sim.inject({ method: 'POST', url: '/__control', headers: auth, payload: { script: ['rate-limit'], retryAfterSeconds: 7 } });
    expect(set.statusCode).toBe(200);
    const limited = await sim.inject({ method: 'POST', url: '/projects/status', headers: auth, payload: { projectNumbers: ['1'] } });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    const after = await sim.inject({ method: 'POST', url: '/projects/status', headers: auth, payload: { projectNumbers: ['1'] } });
    expect(after.statusCode).toBe(200);

    const put = await sim.inject({
      method: 'POST', url: '/__data', headers: auth,
      payload: { projects: [{ projectNumber: '1', found: true, status: 'PESERTA', contractValue: 1, premiumRequired: 1, premiumPaid: 1, workersRegistered: 1, coverageStart: '2026-01-01', coverageEnd: '2026-12-31' }] },
    });
    expect(put.statusCode).toBe(200);
    const known = await sim.inject({ method: 'POST', url: '/projects/status', headers: auth, payload: { projectNumbers: ['1'] } });
    expect(known.json().results[0]).toMatchObject({ projectNumber: '1', found: true, status: 'PESERTA' });
    const stats = await sim.inject({ method: 'GET', url: '/__stats', headers: auth });
    expect(stats.json().calls.projects).toBeGreaterThanOrEqual(3);
  });

  it('refuses a data file entry that breaks the upstream shape', async () => {
    const res = await sim.inject({ method: 'POST', url: '/__data', headers: auth, payload: { participants: [{ nik: '123', found: true }] } });
    expect(res.statusCode).toBe(400);
  });
});
