import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { holidaysOfYears } from '../../src/holidays/repository.ts';
import { addWorkingDays } from '../../src/policy/working-days.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('holiday calendar', async () => {
  const t = await buildTestApp({ clock: () => new Date('2026-12-07T03:00:00Z') });

  it('serves the seeded SKB calendar without a token, by year and by default the local year', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/holidays?year=2026' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.year).toBe(2026);
    const dates = body.days.map((d: { date: string }) => d.date);
    // Idulfitri 1447 H with its cuti bersama, and Christmas with the 24th as cuti bersama.
    expect(dates).toEqual(expect.arrayContaining(['2026-03-20', '2026-03-21', '2026-03-23', '2026-03-24', '2026-12-24', '2026-12-25']));
    expect(dates).toEqual([...dates].sort());
    expect(body.days.find((d: { date: string }) => d.date === '2026-08-17').name).toBe('Proklamasi Kemerdekaan');
    const byDefault = await t.app.inject({ method: 'GET', url: '/v1/holidays' });
    expect(byDefault.json()).toEqual(body);
    for (const year of [2025, 2027]) {
      const other = await t.app.inject({ method: 'GET', url: `/v1/holidays?year=${year}` });
      expect(other.json().days.length).toBeGreaterThan(15);
    }
    const none = await t.app.inject({ method: 'GET', url: '/v1/holidays?year=1999' });
    expect(none.json()).toEqual({ year: 1999, days: [] });
  });

  it('refuses a bad year with 422, not 500', async () => {
    for (const q of ['year=abc', 'year=1800', 'year=2026.5', 'other=1']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/holidays?${q}` });
      expect(res.statusCode, q).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
  });

  it('lets an admin replace a year in one audited step, and nobody else', async () => {
    const days = [{ date: '2028-01-01', name: 'Tahun Baru 2028 Masehi' }, { date: '2027-12-31', name: 'x' }];
    const wrong = await t.app.inject({ method: 'PUT', url: '/v1/holidays/2028', headers: { ...(await t.auth('admin')), 'accept-language': 'en' }, payload: { days } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().errors).toEqual([{ path: 'days.1.date', message: 'not in 2028' }]);
    const twice = await t.app.inject({ method: 'PUT', url: '/v1/holidays/2028', headers: await t.auth('admin'), payload: { days: [days[0], days[0]] } });
    expect(twice.statusCode).toBe(422);

    for (const role of ['opd', 'finance', 'inspector'] as const) {
      const res = await t.app.inject({ method: 'PUT', url: '/v1/holidays/2027', headers: await t.auth(role), payload: { days: [] } });
      expect(res.statusCode, role).toBe(403);
    }
    expect((await t.app.inject({ method: 'PUT', url: '/v1/holidays/2027', payload: { days: [] } })).statusCode).toBe(401);

    const before = (await t.app.inject({ method: 'GET', url: '/v1/holidays?year=2027' })).json().days;
    const next = [{ date: '2027-03-10', name: 'Idulfitri 1448 Hijriah' }, { date: '2027-01-01', name: 'Tahun Baru 2027 Masehi' }];
    const res = await t.app.inject({ method: 'PUT', url: '/v1/holidays/2027', headers: await t.auth('admin'), payload: { days: next } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ year: 2027, days: [next[1], next[0]] });
    expect((await t.app.inject({ method: 'GET', url: '/v1/holidays?year=2027' })).json().days).toEqual([next[1], next[0]]);
    // Other years untouched.
    expect((await t.app.inject({ method: 'GET', url: '/v1/holidays?year=2026' })).json().days.length).toBeGreaterThan(15);
    const [event] = await rows<{ entity_id: string; data: { replaced: number; days: unknown[] } }>(
      t.database.db, sql`select entity_id, data from audit_events where action = 'holidays.replaced'`);
    expect(event?.entity_id).toBe('2027');
    expect(event?.data.replaced).toBe(before.length);
    expect(event?.data.days).toEqual([next[1], next[0]]);
  });

  it('gives the repository read and working days that skip weekends and cuti bersama', async () => {
    const set = await holidaysOfYears(t.database.db, [2025, 2026]);
    expect(set.has('2026-12-24')).toBe(true);
    expect(set.has('2025-04-07')).toBe(true);
    expect(set.has('2027-03-10')).toBe(false);
    // Wed 23 Dec 2026 + 3 working days: 24 (cuti bersama), 25 (Natal), 26-27 (weekend) skipped -> 30 Dec.
    expect(addWorkingDays('2026-12-23', 3, set)).toBe('2026-12-30');
  });
});
