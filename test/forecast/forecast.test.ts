// GET /v1/forecast (2.6): which projects' next payment would be BLOCKED today or within `within`
// days, from which day and why, from stored data only; who sees which projects.
import { describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { clock, count, insertCoveredWorker, insertProject, insertWorker, query } from '../disbursements/fixtures.ts';

// Monday 15 Sep 2025, 10:00 WIB. Memberships imported at 07:00 WIB that day.
type Item = { projectId: string; projectCode: string; opdCode: string; blockedFrom: string; reasons: Array<{ code: string; retryable: boolean; workers?: number; message: string }> };

describe('GET /v1/forecast', async () => {
  // Statuses stay fresh for a year here, so only coverage, workers and the final payment move.
  const t = await buildTestApp({ clock, env: { MEMBERSHIP_MAX_AGE_HOURS: String(24 * 365) } });
  // Same database, the default 24 hours: imported data ages into MEMBERSHIP_UNVERIFIED.
  const aging = await buildTestApp({ clock, testKeys: t.testKeys });

  const forecast = async (app: TestApp, query = '', role: 'opd' | 'inspector' | 'admin' = 'inspector', opd?: string) => {
    const res = await app.app.inject({ url: `/v1/forecast${query}`, headers: await app.auth(role, opd ? { opd } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { asOf: string; within: number; items: Item[] };
  };
  const find = (items: Item[], id: string) => items.find((i) => i.projectId === id);

  const lapsing = await insertProject(t.database);
  await insertCoveredWorker(t.database, lapsing);
  await insertCoveredWorker(t.database, lapsing, {}, { coverageEnd: '2025-09-24' });
  const unverified = await insertProject(t.database);
  await insertCoveredWorker(t.database, unverified);
  await insertWorker(t.database, unverified.id); // no membership at all
  const fine = await insertProject(t.database);
  await insertCoveredWorker(t.database, fine);
  // Half the premium is paid: enough until the final payment, due from the end of the works.
  const ending = await insertProject(t.database, { premiumPaid: 1_000_000 });
  await insertCoveredWorker(t.database, ending);
  await query(t.database, `update projects set end_date = '2025-10-01' where id = '${ending.id}'`);
  const joining = await insertProject(t.database, { opdCode: 'DINKES' });
  await insertCoveredWorker(t.database, joining);
  await insertWorker(t.database, joining.id, { startDate: '2025-09-20' }); // joins in 5 days, no membership

  it('names each project at risk with the first blocked day and its reasons, soonest first', async () => {
    const { asOf, within, items } = await forecast(t);
    expect({ asOf, within }).toEqual({ asOf: '2025-09-15', within: 30 });
    expect(find(items, unverified.id)).toMatchObject({
      projectCode: unverified.code, opdCode: 'DPUPR', blockedFrom: '2025-09-15',
      reasons: [{ code: 'MEMBERSHIP_UNVERIFIED', retryable: true, workers: 1 }],
    });
    expect(find(items, joining.id)).toMatchObject({ blockedFrom: '2025-09-20', reasons: [{ code: 'MEMBERSHIP_UNVERIFIED' }] });
    expect(find(items, lapsing.id)).toMatchObject({ blockedFrom: '2025-09-25', reasons: [{ code: 'COVERAGE_LAPSED', retryable: false, workers: 1 }] });
    expect(find(items, ending.id)).toMatchObject({ blockedFrom: '2025-10-01', reasons: [{ code: 'PREMIUM_SHORTFALL' }] });
    expect(find(items, fine.id)).toBeUndefined();
    const mine = items.filter((i) => [unverified.id, joining.id, lapsing.id, ending.id].includes(i.projectId)).map((i) => i.projectId);
    expect(mine).toEqual([unverified.id, joining.id, lapsing.id, ending.id]);
    expect(items.map((i) => i.blockedFrom)).toEqual([...items.map((i) => i.blockedFrom)].sort());
    // Messages follow Accept-Language like every reason.
    expect(find(items, lapsing.id)!.reasons[0]!.message).toMatch(/\w/);
  });

  it('looks only `within` days ahead', async () => {
    const soon = (await forecast(t, '?within=7')).items;
    expect(find(soon, joining.id)).toBeDefined();
    expect(find(soon, lapsing.id)).toBeUndefined();
    const today = (await forecast(t, '?within=0')).items;
    expect(today.map((i) => i.projectId)).toContain(unverified.id);
    expect(today.every((i) => i.blockedFrom === '2025-09-15')).toBe(true);
  });

  it('ages imported data in snapshot mode: a status older than MEMBERSHIP_MAX_AGE_HOURS no longer counts', async () => {
    const { items } = await forecast(aging);
    // Imported at 07:00 WIB today with a 24-hour limit: unverified from tomorrow, the workers and
    // (policy v2 judges the imported registration too, 2.3) the registration alike.
    expect(find(items, fine.id)).toMatchObject({
      blockedFrom: '2025-09-16', reasons: [{ code: 'MEMBERSHIP_UNVERIFIED', retryable: true }, { code: 'PROJECT_UNVERIFIED', retryable: true }],
    });
  });

  it('shows OPD staff their own OPD only; finance and treasury may not read it; records nothing', async () => {
    const before = await count(t.database, 'audit_events');
    const dpupr = (await forecast(t, '', 'opd', 'DPUPR')).items;
    expect(dpupr.map((i) => i.opdCode).every((c) => c === 'DPUPR')).toBe(true);
    expect(find(dpupr, joining.id)).toBeUndefined();
    const dinkes = (await forecast(t, '', 'opd', 'DINKES')).items;
    expect(dinkes.map((i) => i.projectId)).toEqual([joining.id]);
    expect((await forecast(t, '?opdCode=DINKES', 'opd', 'DPUPR')).items).toEqual([]);
    expect((await forecast(t, '?opdCode=DINKES', 'admin')).items.map((i) => i.projectId)).toEqual([joining.id]);
    for (const role of ['finance', 'treasury'] as const) {
      const res = await t.app.inject({ url: '/v1/forecast', headers: await t.auth(role) });
      expect(res.statusCode, role).toBe(403);
    }
    expect((await t.app.inject({ url: '/v1/forecast?within=400', headers: await t.auth('admin') })).statusCode).toBe(422);
    expect(await count(t.database, 'audit_events')).toBe(before);
  });

  it('follows a roster change at once (the cache is per roster version)', async () => {
    const p = await insertProject(t.database);
    await insertCoveredWorker(t.database, p);
    expect(find((await forecast(t)).items, p.id)).toBeUndefined();
    await insertWorker(t.database, p.id);
    expect(find((await forecast(t)).items, p.id)).toMatchObject({ blockedFrom: '2025-09-15' });
  });
});
