// The decision's first statement reads only the approvals the policy reads (migration 0028): the
// database's choice must be exactly policy/period.ts approvalsFor over all of them, for any stage
// and value date, ties on the latest date included.
import { describe, expect, it } from 'vitest';
import { approvalsFor, type PolicyApproval } from '../../src/policy/index.ts';
import { buildTestApp } from '../helpers/app.ts';
import { insertProject, query } from './fixtures.ts';

describe('gerbang_decision_inputs for a request', async () => {
  const t = await buildTestApp();

  it('returns the approvals approvalsFor keeps, and all of them without a value date', async () => {
    const project = await insertProject(t.database);
    const approved: Array<[string, string]> = [
      ['UANG_MUKA', '2026-01-10'], ['TERMIN_1', '2026-03-01'], ['TERMIN_2', '2026-03-01'], ['TERMIN_10', '2026-03-01'],
      ['TERMIN_3', '2026-05-20'], ['RETENSI', '2027-02-01'],
    ];
    for (const [stage, valueDate] of approved) {
      await query(t.database, `
        with d as (
          insert into disbursements (id, project_id, stage, amount, request_ref, value_date, final, decision, reasons, summary,
            policy_id, policy_version, period_from, period_to, evidence, evidence_sha256, requested_by, decided_at)
          values (gen_random_uuid(), '${project.id}', '${stage}', 1000000, 'SPM/T', '${valueDate}', false, 'APPROVED', '[]', '{}',
            'p', 2, '${valueDate}', '${valueDate}', '{}', 'x', 'test', now())
          returning id, project_id, stage, value_date)
        insert into approved_stages (project_id, stage, disbursement_id, value_date) select project_id, stage, id, value_date from d`);
    }
    const read = async (stage: string | null, valueDate: string | null) => {
      const [row] = await query<{ inputs: { approvals: PolicyApproval[]; approvedTotal: string } }>(t.database,
        `select gerbang_decision_inputs('${project.id}', ${stage === null ? 'null' : `'${stage}'`}, ${valueDate === null ? 'null' : `'${valueDate}'`}) as inputs`);
      return row?.inputs;
    };
    const all = (await read(null, null))?.approvals ?? [];
    expect(all).toHaveLength(approved.length);
    expect((await read(null, null))?.approvedTotal).toBe('6000000');
    const [oneArg] = await query<{ inputs: { approvals: PolicyApproval[] } }>(t.database, `select gerbang_decision_inputs('${project.id}') as inputs`);
    expect(oneArg?.inputs.approvals).toEqual(all);

    const stages = [null, 'UANG_MUKA', 'TERMIN_2', 'TERMIN_3', 'RETENSI', 'PELUNASAN'];
    const dates = ['2025-12-31', '2026-01-10', '2026-02-15', '2026-03-01', '2026-04-01', '2026-06-01', '2027-03-01'];
    for (const stage of stages) {
      for (const valueDate of dates) {
        const inputs = await read(stage, valueDate);
        expect(inputs?.approvals, `${stage} ${valueDate}`).toEqual(approvalsFor(all, stage, valueDate));
        expect(inputs?.approvedTotal).toBe('6000000');
      }
    }
    // Three approvals share the latest date before April: one of them, the first in order, is kept.
    expect((await read(null, '2026-04-01'))?.approvals).toEqual([{ stage: 'TERMIN_1', valueDate: '2026-03-01' }]);
  });
});
