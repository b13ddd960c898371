// Finding 3: dates outside 1900-01-01..2199-12-31 and UTC offsets outside -12:00..+14:00 are a
// 422 wherever they enter (bodies, CSV, NDJSON, queries, cursors), never a 500.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { createContractor, projectPayload } from '../helpers/factories.ts';
import { kpj, nik } from '../helpers/fixtures.ts';

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('dates and offsets out of range', async () => {
  const t = await buildTestApp();
  const admin = await t.auth('admin');
  const contractor = await createContractor(t);
  const created = await t.app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: projectPayload({ contractorId: contractor.id }) });
  const projectId = created.json().id as string;

  const expect422 = async (req: { method: 'GET' | 'POST' | 'PUT' | 'PATCH'; url: string; payload?: unknown; headers?: Record<string, string> }, path?: string) => {
    const res = await t.app.inject({ ...req, headers: { ...admin, ...req.headers }, payload: req.payload as string });
    expect(res.statusCode, `${req.method} ${req.url} ${JSON.stringify(req.payload)}: ${res.body}`).toBe(422);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    if (path) expect(res.json().errors.map((e: { path: string }) => e.path).join(' ')).toContain(path);
  };

  it('refuses year 0 and years beyond 2199 in projects', async () => {
    for (const date of ['0000-01-01', '1899-12-31', '2200-01-01', '9999-12-31']) {
      await expect422({ method: 'POST', url: '/v1/projects', payload: projectPayload({ contractorId: contractor.id, startDate: date }) }, 'startDate');
      await expect422({ method: 'PATCH', url: `/v1/projects/${projectId}`, payload: { maintenanceEndDate: date } }, 'maintenanceEndDate');
    }
    const edge = await t.app.inject({ method: 'POST', url: '/v1/projects', headers: admin,
      payload: projectPayload({ contractorId: contractor.id, startDate: '1900-01-01', endDate: '2199-12-31' }) });
    expect(edge.statusCode).toBe(201);
  });

  it('refuses them in rosters, JSON and CSV', async () => {
    const worker = { nik: nik(1), name: 'Pekerja Satu', kpj: kpj(1), role: 'TUKANG', startDate: '0000-01-01' };
    await expect422({ method: 'PUT', url: `/v1/projects/${projectId}/workers`, payload: { workers: [worker] } }, 'startDate');
    await expect422({ method: 'POST', url: `/v1/projects/${projectId}/workers`, payload: { ...worker, startDate: '2025-01-01', endDate: '2300-01-01' } }, 'endDate');
    await expect422({
      method: 'PUT', url: `/v1/projects/${projectId}/workers`, headers: { 'content-type': 'text/csv' },
      payload: `nik,name,kpj,role,startDate,endDate\n${nik(1)},Pekerja Satu,${kpj(1)},TUKANG,0000-01-01,\n`,
    });
  });

  it('refuses them, and offsets beyond real time zones, in membership imports', async () => {
    const record = {
      nik: nik(2), kpj: kpj(2), name: 'Pekerja Dua', status: 'ACTIVE', programs: ['JKK', 'JKM'],
      coverageStart: '2025-01-01', coverageEnd: '2025-12-31', segment: 'BPU', asOf: '2025-06-01T00:00:00Z',
    };
    for (const bad of [{ coverageStart: '0000-01-01' }, { asOf: '0000-01-01T00:00:00Z' }, { asOf: '2025-06-01T00:00:00+15:00' },
      { asOf: '2025-06-01T00:00:00-12:30' }, { asOf: '2025-06-01T00:00:00+14:01' }]) {
      await expect422({ method: 'POST', url: '/v1/memberships/import', payload: { records: [{ ...record, ...bad }] } });
      await expect422({ method: 'POST', url: '/v1/memberships/import', headers: { 'content-type': 'application/x-ndjson' },
        payload: `${JSON.stringify({ ...record, ...bad })}\n` });
    }
    for (const good of ['2025-06-01T00:00:00+14:00', '2025-06-01T00:00:00-12:00']) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: admin, payload: { records: [{ ...record, asOf: good }] } });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it('refuses them in query bounds and in cursors', async () => {
    for (const from of ['0000-01-01', '0000-01-01T00:00:00Z', '2025-01-01T00:00:00+15:59', '2025-01-01T00:00:00-13:00', '2200-01-01']) {
      const q = `from=${encodeURIComponent(from)}`;
      await expect422({ method: 'GET', url: `/v1/disbursements?${q}` }, 'from');
      await expect422({ method: 'GET', url: `/v1/audit/events?${q}` }, 'from');
    }
    await expect422({ method: 'GET', url: `/v1/projects/${projectId}/compliance?valueDate=0000-01-01` }, 'valueDate');
    const ok = await t.app.inject({ method: 'GET', url: `/v1/audit/events?from=${encodeURIComponent('2025-01-01T00:00:00+14:00')}`, headers: admin });
    expect(ok.statusCode).toBe(200);
    const cursor = cursorOf(['0000-01-01T00:00:00.000000Z', randomUUID()]);
    for (const url of ['/v1/projects', '/v1/contractors', '/v1/disbursements']) await expect422({ method: 'GET', url: `${url}?cursor=${cursor}` }, 'cursor');
  });
});
