// A project's approved total is one row (project_approved_totals, migration 0033), kept by triggers
// on approved_stages in the transaction that approves, voids or writes a stage by hand: it must stay
// the sum of the approved stages, and the contract limit a decision applies must follow it.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { clock, compliantProject, decisionBody, query } from './fixtures.ts';

describe('the approved total of a project', async () => {
  const t = await buildTestApp({ clock });
  const finance = await t.auth('finance');
  let keys = 0;
  const decide = async (project: { id: string }, stage: string, amount: number) => {
    const res = await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...finance, 'idempotency-key': `total-${++keys}` }, payload: decisionBody(project, { stage, amount }),
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; decision: string; reasons: Array<{ code: string }> };
  };
  /** The kept total beside the sum over the project's approved stages (a stage without an amount counts its decision's). */
  const totals = async (projectId: string) => {
    const [row] = await query<{ kept: string; summed: string }>(t.database, `
      select gerbang_approved_total('${projectId}')::text as kept,
        (select coalesce(sum(coalesce(s.amount, d.amount)), 0) from approved_stages s join disbursements d on d.id = s.disbursement_id
         where s.project_id = '${projectId}')::text as summed`);
    return row;
  };

  it('follows approvals and voids, and the contract limit follows it', async () => {
    // 1,110,000,000 contract value (fixtures.ts).
    const { project } = await compliantProject(t.database, 2);
    expect(await totals(project.id)).toEqual({ kept: '0', summed: '0' });
    expect((await decide(project, 'TERMIN_1', 600_000_000)).decision).toBe('APPROVED');
    const second = await decide(project, 'TERMIN_2', 400_000_000);
    expect(second.decision).toBe('APPROVED');
    expect(await totals(project.id)).toEqual({ kept: '1000000000', summed: '1000000000' });

    const beyond = await decide(project, 'TERMIN_3', 200_000_000);
    expect(beyond.reasons.map((r) => r.code)).toEqual(['AMOUNT_EXCEEDS_CONTRACT']);
    expect(await totals(project.id)).toEqual({ kept: '1000000000', summed: '1000000000' });

    const voided = await t.app.inject({ method: 'POST', url: `/v1/disbursements/${second.id}/void`, headers: finance, payload: { reason: 'SP2D ditolak' } });
    expect(voided.statusCode).toBe(200);
    expect(await totals(project.id)).toEqual({ kept: '600000000', summed: '600000000' });
    expect((await decide(project, 'TERMIN_3', 200_000_000)).decision).toBe('APPROVED');
    expect(await totals(project.id)).toEqual({ kept: '800000000', summed: '800000000' });
  });

  it('stays the sum with hundreds of stages, written and removed by hand, with and without an amount', async () => {
    const { project } = await compliantProject(t.database, 2);
    // 400 approvals: every other one without its amount (as before migration 0028), counted by its decision's.
    await query(t.database, `
      with d as (
        insert into disbursements (id, project_id, stage, amount, request_ref, value_date, final, decision, reasons, summary,
          policy_id, policy_version, period_from, period_to, evidence, evidence_sha256, requested_by, decided_at)
        select gen_random_uuid(), '${project.id}', 'STAGE_' || i, 1000 + i, 'SPM/T', date '2024-01-01' + i, false, 'APPROVED', '[]', '{}',
          'p', 2, date '2024-01-01' + i, date '2024-01-01' + i, '{}', 'x', 'test', now()
        from generate_series(1, 400) i
        returning id, project_id, stage, value_date, amount)
      insert into approved_stages (project_id, stage, disbursement_id, value_date, amount)
      select project_id, stage, id, value_date, case when amount % 2 = 0 then amount end from d`);
    // 400 * 1000 + (1 + ... + 400)
    expect(await totals(project.id)).toEqual({ kept: '480200', summed: '480200' });
    await query(t.database, `delete from approved_stages where project_id = '${project.id}' and stage in ('STAGE_1', 'STAGE_2')`);
    expect(await totals(project.id)).toEqual({ kept: '478197', summed: '478197' });
    await query(t.database, `update approved_stages set amount = 5000 where project_id = '${project.id}' and stage = 'STAGE_3'`);
    expect(await totals(project.id)).toEqual({ kept: '482194', summed: '482194' });

    // The decision's inputs carry it: a request within the contract with these is approved.
    const [row] = await query<{ inputs: { approvedTotal: string } }>(t.database,
      `select gerbang_decision_inputs('${project.id}', 'TERMIN_1', '2025-09-15') as inputs`);
    expect(row?.inputs.approvedTotal).toBe('482194');
    expect((await decide(project, 'TERMIN_1', 1_000_000)).decision).toBe('APPROVED');
    expect(await totals(project.id)).toEqual({ kept: '1482194', summed: '1482194' });
  });
});
