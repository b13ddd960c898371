// Finding 6: /metrics stays on loopback by default, and a roster is not emptied by accident.
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startMetricsServer } from '../../src/ops/metrics.ts';
import { buildTestApp } from '../helpers/app.ts';
import { insertProject, kpj, nik } from '../helpers/fixtures.ts';

describe('metrics listener', () => {
  it('listens on METRICS_HOST (127.0.0.1 by default), not on HOST', async () => {
    const server = await startMetricsServer(loadConfig({ NODE_ENV: 'test', METRICS_PORT: '0', HOST: '0.0.0.0' }), pino({ level: 'silent' }));
    try {
      expect((server.server.address() as AddressInfo).address).toBe('127.0.0.1');
    } finally {
      await server.close();
    }
    expect(loadConfig({ METRICS_HOST: '0.0.0.0' }).METRICS_HOST).toBe('0.0.0.0');
  });
});

describe('emptying a roster', async () => {
  const t = await buildTestApp();
  const admin = await t.auth('admin');
  const worker = { nik: nik(7), name: 'Pekerja Tujuh', kpj: kpj(7), role: 'TUKANG', startDate: '2025-01-01' };
  const put = (projectId: string, query: string, payload: string | object, type = 'application/json') =>
    t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers${query}`, headers: { ...admin, 'content-type': type }, payload });
  const active = async (projectId: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/projects/${projectId}/workers`, headers: admin })).json().items.length;

  it('refuses an empty roster or a header-only CSV that would end every active worker without ?confirmEmpty=true', async () => {
    const projectId = await insertProject(t.database);
    expect((await put(projectId, '', { workers: [worker] })).statusCode).toBe(200);
    for (const [payload, type] of [[{ workers: [] }, 'application/json'], ['nik,name,kpj,role,startDate,endDate\n', 'text/csv']] as const) {
      const res = await put(projectId, '', payload, type);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().errors[0].path).toBe('query.confirmEmpty');
      expect(await active(projectId)).toBe(1);
    }
    const confirmed = await put(projectId, '?confirmEmpty=true', 'nik,name,kpj,role,startDate,endDate\n', 'text/csv');
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toMatchObject({ removed: 1, total: 0 });
    expect(await active(projectId)).toBe(0);
    // Nothing active any more: an empty roster ends nobody and needs no confirmation.
    expect((await put(projectId, '', { workers: [] })).statusCode).toBe(200);
  });
});
