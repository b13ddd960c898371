// The gate on embedded PGlite (the development default): the same SQL, triggers and locks.
import { afterAll, describe, expect, it } from 'vitest';
import { buildPgliteApp } from '../helpers/fixtures.ts';
import { decisionBody, insertCoveredWorker, insertProject } from './fixtures.ts';

describe('the gate on PGlite', async () => {
  const t = await buildPgliteApp();
  afterAll(() => t.close());

  it('decides, replays the key, serialises a race, voids, and dry-runs', async () => {
    // Today's snapshot of the registration (2.3): the real clock runs here.
    const project = await insertProject(t.database, { registrationRecord: { asOf: new Date() } });
    const covered = { asOf: new Date(), coverageStart: '2025-07-01', coverageEnd: '2099-12-31' };
    await insertCoveredWorker(t.database, project, {}, covered);
    await insertCoveredWorker(t.database, project, {}, covered);
    const headers = { ...(await t.auth('finance')), 'idempotency-key': 'pglite-1' };
    const body = decisionBody(project, { stage: 'TERMIN_1' });
    const first = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers, payload: body });
    expect(first.statusCode).toBe(201);
    expect(first.json().decision).toBe('APPROVED');
    const replay = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers, payload: body });
    expect(replay.statusCode).toBe(200);
    const race = await Promise.all([1, 2, 3].map(async (i) => (await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...headers, 'idempotency-key': `pglite-race-${i}` }, payload: decisionBody(project, { stage: 'TERMIN_2' }),
    })).json().decision));
    expect(race.sort()).toEqual(['APPROVED', 'BLOCKED', 'BLOCKED']);
    const voided = await t.app.inject({ method: 'POST', url: `/v1/disbursements/${first.json().id}/void`, headers: await t.auth('finance'), payload: { reason: 'SPM ditolak' } });
    expect(voided.statusCode).toBe(200);
    const dry = await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/compliance?stage=TERMIN_1`, headers: await t.auth('admin') });
    expect(dry.json().decision).toBe('APPROVED');
    const replayed = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${first.json().id}/replay`, headers: await t.auth('admin') });
    expect(replayed.json()).toMatchObject({ matches: true, evidenceIntact: true });
  });
});
