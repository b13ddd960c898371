// Finding 1 of the security review: roles widen what a token may do, never whose data it sees.
// A token holding finance and opd of another OPD once read any OPD's roster with full NIKs.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { createContractor } from '../helpers/factories.ts';
import { clock, decisionBody, insertCoveredWorker, insertProject } from '../disbursements/fixtures.ts';
import { multiRoleAuth } from './helpers.ts';

describe('personal data follows the project\'s OPD, not the union of roles', async () => {
  const t = await buildTestApp({ clock });
  const project = await insertProject(t.database, { opdCode: 'DPUPR' });
  const worker = await insertCoveredWorker(t.database, project, { name: 'Siti Aminah' });
  const financeDinkes = await multiRoleAuth(t, ['finance', 'opd'], { opd: 'DINKES', sub: 'bpkad-dinkes' });
  const financeDpupr = await multiRoleAuth(t, ['finance', 'opd'], { opd: 'DPUPR', sub: 'bpkad-dpupr' });

  it('answers 404 for another OPD\'s roster even with finance besides opd', async () => {
    for (const q of ['', '?includeEnded=true']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/workers${q}`, headers: financeDinkes });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(worker.nik);
      expect(res.body).not.toContain('Siti Aminah');
    }
    const own = await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/workers`, headers: financeDpupr });
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain(worker.nik);
  });

  it('shows a decision requested by that token with masked NIKs and no names (finance\'s view)', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...financeDinkes, 'idempotency-key': 'scope-1' },
      payload: decisionBody(project, { stage: 'TERMIN_1' }),
    });
    expect(res.statusCode).toBe(201);
    const id = res.json().id;
    for (const url of [`/v1/disbursements/${id}`, `/v1/disbursements/${id}/replay`, `/v1/disbursements?projectId=${project.id}`,
      `/v1/projects/${project.id}/compliance`]) {
      const read = await t.app.inject({ method: 'GET', url, headers: financeDinkes });
      expect(read.statusCode, url).toBe(200);
      expect(read.body, url).not.toContain(worker.nik);
      expect(read.body, url).not.toContain('Siti Aminah');
    }
    expect(res.body).not.toContain(worker.nik);
  });

  it('masks a contractor\'s NIK-shaped NPWP for every role but admin and inspector', async () => {
    const npwpNik = '1671014101900001';
    const contractor = await createContractor(t, { npwp: npwpNik });
    const read = async (headers: Record<string, string>) =>
      (await t.app.inject({ method: 'GET', url: `/v1/contractors/${contractor.id}`, headers })).json().npwp;
    expect(await read(await t.auth('admin'))).toBe(npwpNik);
    expect(await read(await t.auth('inspector'))).toBe(npwpNik);
    expect(await read(await t.auth('opd', { opd: 'DPUPR' }))).toBe('167101******0001');
    expect(await read(await t.auth('finance'))).toBe('167101******0001');
    expect(await read(financeDpupr)).toBe('167101******0001');
    const list = await t.app.inject({ method: 'GET', url: '/v1/contractors?q=Sriwijaya', headers: await t.auth('opd') });
    expect(list.body).not.toContain(npwpNik);
  });
});
