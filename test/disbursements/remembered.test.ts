// A decision is evaluated on what this process remembers of its project (decision-state.ts) and
// stored by one statement only if the database, under the project's lock, finds that memory
// current (gerbang_decision_check, migration 0030). Two app instances on one database: what one
// decides, and what changes behind both, must count in the other's next decision.
import { describe, expect, it } from 'vitest';
import { decisionStatements } from '../../src/ops/metrics.ts';
import { buildTestApp } from '../helpers/app.ts';
import { clock, compliantProject, count, decisionBody, insertWorker, query } from './fixtures.ts';

describe('decisions on a remembered project', async () => {
  const a = await buildTestApp({ clock });
  const b = await buildTestApp({ clock, databaseUrl: a.config.DATABASE_URL, testKeys: a.testKeys });
  const financeA = await a.auth('finance');
  const financeB = await b.auth('finance');
  let keys = 0;
  const decide = async (t: typeof a, headers: Record<string, string>, payload: Record<string, unknown>) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...headers, 'idempotency-key': `r-${++keys}` }, payload });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; decision: string; reasons: Array<{ code: string; workers?: unknown[] }>; auditSeq: number };
  };
  const codes = (d: { reasons: Array<{ code: string }> }) => d.reasons.map((r) => r.code);

  // The counter is per process, shared by both instances: only differences count.
  const paths = async () => {
    const { values } = await decisionStatements.get();
    const of = (outcome: string) => values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
    return { stored: of('stored'), changed: of('changed'), transaction: of('transaction') };
  };
  const since = async (before: Awaited<ReturnType<typeof paths>>) => {
    const now = await paths();
    return { stored: now.stored - before.stored, changed: now.changed - before.changed, transaction: now.transaction - before.transaction };
  };

  it('remembers a project exactly: its next decisions take one statement each, one more after another instance decided', async () => {
    const { project } = await compliantProject(a.database, 2);
    let before = await paths();
    for (const stage of ['UANG_MUKA', 'TERMIN_1', 'TERMIN_2']) expect((await decide(a, financeA, decisionBody(project, { stage, amount: 1_000_000 }))).decision).toBe('APPROVED');
    // The stages it approved are remembered: asking for one again is one statement too.
    expect(codes(await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_2', amount: 1_000_000 })))).toEqual(['STAGE_ALREADY_APPROVED']);
    expect(await since(before)).toEqual({ stored: 4, changed: 0, transaction: 0 });
    // Ten at once on one project take their turns in this process: none finds another's approval.
    before = await paths();
    const burst = await Promise.all(['TERMIN_3', 'TERMIN_4', 'TERMIN_5', 'TERMIN_6', 'TERMIN_7', 'TERMIN_3', 'TERMIN_4', 'TERMIN_5', 'TERMIN_6', 'TERMIN_7']
      .map((stage) => decide(a, financeA, decisionBody(project, { stage, amount: 1_000_000 }))));
    expect(burst.filter((d) => d.decision === 'APPROVED')).toHaveLength(5);
    expect(await since(before)).toEqual({ stored: 10, changed: 0, transaction: 0 });
    before = await paths();
    expect((await decide(b, financeB, decisionBody(project, { stage: 'TERMIN_8', amount: 1_000_000 }))).decision).toBe('APPROVED');
    expect((await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_9', amount: 1_000_000 }))).decision).toBe('APPROVED');
    // b read the project first (it did not know it); a found it changed once.
    expect(await since(before)).toEqual({ stored: 2, changed: 1, transaction: 0 });
  });

  it('counts the approvals another instance made since: the approved total and an approved stage', async () => {
    // 1,110,000,000 contract value (fixtures.ts).
    const { project } = await compliantProject(a.database, 2);
    expect((await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_1', amount: 250_000_000 }))).decision).toBe('APPROVED');
    expect((await decide(b, financeB, decisionBody(project, { stage: 'TERMIN_2', amount: 800_000_000 }))).decision).toBe('APPROVED');
    // Instance a remembers 250,000,000 approved; 1,150,000,000 is beyond the contract.
    const beyond = await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_3', amount: 100_000_000 }));
    expect(beyond.decision).toBe('BLOCKED');
    expect(codes(beyond)).toEqual(['AMOUNT_EXCEEDS_CONTRACT']);
    const again = await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_2', amount: 10_000_000 }));
    expect(codes(again)).toEqual(['STAGE_ALREADY_APPROVED']);
    // Within the contract, a's next decision approves, and its total is the database's.
    expect((await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_3', amount: 60_000_000 }))).decision).toBe('APPROVED');
    const [total] = await query<{ total: string }>(a.database, `select gerbang_approved_total('${project.id}')::text as total`);
    expect(total?.total).toBe('1110000000');
    expect(codes(await decide(b, financeB, decisionBody(project, { stage: 'RETENSI', amount: 1 })))).toEqual(['AMOUNT_EXCEEDS_CONTRACT']);
  });

  it('judges the roster as it is now, not as the last decision saw it', async () => {
    const { project } = await compliantProject(a.database, 2);
    expect((await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_1' }))).decision).toBe('APPROVED');
    // A worker without any membership joins the roster behind the app's back (the version moves).
    const newcomer = await insertWorker(a.database, project.id);
    const blocked = await decide(a, financeA, decisionBody(project, { stage: 'TERMIN_2' }));
    expect(blocked.decision).toBe('BLOCKED');
    const workers = blocked.reasons.flatMap((r) => r.workers ?? []) as Array<{ nik: string }>;
    // Finance sees NIKs masked.
    expect(workers.map((w) => w.nik)).toEqual([`${newcomer.nik.slice(0, 6)}******${newcomer.nik.slice(-4)}`]);
  });

  it('after a void elsewhere, approves the freed stage again; every answer has its one decision and event', async () => {
    const { project } = await compliantProject(a.database, 1);
    const before = await count(a.database, 'disbursements', `project_id = '${project.id}'`);
    const approved = await decide(a, financeA, decisionBody(project, { stage: 'UANG_MUKA' }));
    const voided = await b.app.inject({ method: 'POST', url: `/v1/disbursements/${approved.id}/void`, headers: financeA, payload: { reason: 'SP2D ditolak' } });
    expect(voided.statusCode).toBe(200);
    const renewed = await decide(a, financeA, decisionBody(project, { stage: 'UANG_MUKA' }));
    expect(renewed.decision).toBe('APPROVED');
    expect(await count(a.database, 'disbursements', `project_id = '${project.id}'`)).toBe(before + 2);
    const events = await query<{ seq: string }>(a.database,
      `select seq::text from audit_events where action = 'disbursement.decided' and entity_id in ('${approved.id}', '${renewed.id}') order by audit_events.seq`);
    expect(events.map((e) => Number(e.seq))).toEqual([approved.auditSeq, renewed.auditSeq]);
  });
});
