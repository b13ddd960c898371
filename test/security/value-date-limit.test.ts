// Finding 3 (part): a decision's valueDate may not be later than the project's maintenanceEndDate
// (or endDate) plus 365 days; beyond it is a 422, for decisions and for the compliance dry run.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { clock, count, decisionBody, insertCoveredWorker, insertProject } from '../disbursements/fixtures.ts';

describe('the latest valueDate', async () => {
  const t = await buildTestApp({ clock });
  const finance = await t.auth('finance');
  let keys = 0;
  const decide = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...finance, 'idempotency-key': `vd-${++keys}` }, payload });

  it('is endDate + 365 days without a maintenance period, maintenanceEndDate + 365 days with one', async () => {
    // The fixture project ends on 2026-06-30: the limit is 2027-06-30.
    const project = await insertProject(t.database);
    await insertCoveredWorker(t.database, project, {}, { coverageEnd: '2199-12-31' });
    for (const valueDate of ['2027-07-01', '2199-12-31']) {
      const late = await decide(decisionBody(project, { valueDate }));
      expect(late.statusCode, late.body).toBe(422);
      expect(late.json().errors[0]).toMatchObject({ path: 'valueDate', message: expect.stringContaining('2027-06-30') });
      const dry = await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/compliance?valueDate=${valueDate}`, headers: finance });
      expect(dry.statusCode).toBe(422);
    }
    // Nothing is stored for a refused request.
    expect(await count(t.database, 'disbursements', `project_id = '${project.id}'`)).toBe(0);
    expect((await decide(decisionBody(project, { valueDate: '2027-06-30' }))).statusCode).toBe(201);

    const patched = await t.app.inject({ method: 'PATCH', url: `/v1/projects/${project.id}`, headers: await t.auth('admin'), payload: { maintenanceEndDate: '2026-12-31' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await decide(decisionBody(project, { stage: 'TERMIN_2', valueDate: '2027-12-31' }))).statusCode).toBe(201);
    expect((await decide(decisionBody(project, { stage: 'TERMIN_3', valueDate: '2028-01-01' }))).statusCode).toBe(422);
  });
});
