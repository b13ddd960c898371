// Policy change 12: after a first approval, the contract value changes only with an addendum's number.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { query } from '../helpers/fixtures.ts';
import { clock, compliantProject } from '../disbursements/fixtures.ts';

describe('PATCH /v1/projects/{id}: contractValue and addendumRef', async () => {
  // Version 1 approves the fixture as it stands (no registration record needed); the rule is the project's, not the policy's.
  const t = await buildTestApp({ clock, env: { POLICY_VERSION: '1' } });
  const opd = await t.auth('opd', { opd: 'DPUPR' });
  const patch = (id: string, payload: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: `/v1/projects/${id}`, headers: opd, payload });
  const approve = async (projectId: string) => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('finance')), 'idempotency-key': `addendum-${projectId}` },
      payload: { projectId, stage: 'TERMIN_1', amount: 100_000_000, requestRef: 'SPM-ADD-1' },
    });
    expect(res.json().decision).toBe('APPROVED');
  };

  it('changes contractValue freely before any approval', async () => {
    const { project } = await compliantProject(t.database, 1);
    expect((await patch(project.id, { contractValue: 1_000_000_000 })).statusCode).toBe(200);
  });

  it('after the first approval refuses a contractValue change without addendumRef, and records it when given', async () => {
    const { project } = await compliantProject(t.database, 1);
    await approve(project.id);
    const refused = await patch(project.id, { contractValue: 1 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([expect.objectContaining({ path: 'addendumRef' })]);
    expect((await patch(project.id, { contractValue: 1, addendumRef: 'x'.repeat(101) })).statusCode).toBe(422);
    expect((await patch(project.id, { addendumRef: 'ADD-01' })).statusCode).toBe(422); // nothing to change
    // Other fields, and the same value, need no addendum.
    expect((await patch(project.id, { name: 'Rehabilitasi Jalan (tahap 2)', contractValue: 1_110_000_000 })).statusCode).toBe(200);

    const ok = await patch(project.id, { contractValue: 1_221_000_000, addendumRef: 'ADD-01/SPK/DPUPR/2025' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().contractValue).toBe(1_221_000_000);
    expect(ok.json()).not.toHaveProperty('addendumRef');
    const events = await query<{ data: Record<string, unknown> }>(t.database,
      `select data from audit_events where action = 'project.updated' and entity_id = '${project.id}' order by seq`);
    expect(events.at(-1)?.data).toMatchObject({
      addendumRef: 'ADD-01/SPK/DPUPR/2025', changes: { contractValue: { before: 1_110_000_000, after: 1_221_000_000 } },
    });
  });
});
