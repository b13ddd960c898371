// The forecast reads every project's decision inputs in one set-based statement; decisions read one
// project's through gerbang_decision_inputs. Both must say the same, or the forecast would judge
// other data than the gate.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forecastInputs } from '../../src/forecast/repository.ts';
import { buildTestApp } from '../helpers/app.ts';
import { clock, compliantProject, insertProject, query } from '../disbursements/fixtures.ts';

describe('forecast inputs', async () => {
  const t = await buildTestApp({ clock });

  it('equal gerbang_decision_inputs for every project (approvals, registration, roster version, value date limit)', async () => {
    const { project: approved } = await compliantProject(t.database, 2);
    const res = await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('finance')), 'idempotency-key': randomUUID() },
      payload: { projectId: approved.id, stage: 'UANG_MUKA', amount: 1_000_000, requestRef: 'SPM/inputs/1' },
    });
    expect(res.json().decision).toBe('APPROVED');
    const registered = await insertProject(t.database, { registrationRecord: null });
    await query(t.database, `insert into project_registrations (registration_number, found, status, contract_value, premium_required, premium_paid,
      workers_registered, coverage_start, coverage_end, verified_at)
      values ('${registered.registration}', true, 'PESERTA', 1110000000, 1750000, 1750000, 3, '2025-07-01', '2026-06-30', now())`);
    await insertProject(t.database, { registration: null, npp: null });
    await query(t.database, `update projects set maintenance_end_date = '2026-12-31' where id = '${registered.id}'`);

    const set = await forecastInputs(t.database.db, { opdCode: null, today: '2025-09-15' });
    const one = await query<{ id: string; inputs: unknown }>(t.database, 'select id, gerbang_decision_inputs(id) as inputs from projects');
    expect(set.length).toBe(one.length);
    expect(set.length).toBeGreaterThanOrEqual(3);
    const byId = new Map(one.map((r) => [r.id, r.inputs]));
    for (const s of set) expect(s.inputs).toEqual(byId.get(s.inputs.project.id));
    expect(set.find((s) => s.inputs.project.id === approved.id)!.inputs.approvals).toEqual([{ stage: 'UANG_MUKA', valueDate: '2025-09-15' }]);
  });
});
