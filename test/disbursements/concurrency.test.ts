// One approval per stage under racing requests, voids, and all-or-nothing transactions.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { clock, compliantProject, count, decisionBody, query, writeCounts } from './fixtures.ts';

describe('decisions under concurrency and failure', async () => {
  const t = await buildTestApp({ clock });
  const finance = await t.auth('finance');
  let keys = 0;
  const decide = (payload: Record<string, unknown>, headers: Record<string, string> = finance) =>
    t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...headers, 'idempotency-key': `c-${++keys}` }, payload });

  it('approves a stage exactly once when 20 requests race for it; the 19 others are 201 BLOCKED', async () => {
    const { project } = await compliantProject(t.database, 5);
    const responses = await Promise.all(Array.from({ length: 20 }, () => decide(decisionBody(project, { stage: 'TERMIN_1' }))));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(201));
    const decisions = responses.map((r) => r.json());
    expect(decisions.filter((d) => d.decision === 'APPROVED')).toHaveLength(1);
    const blocked = decisions.filter((d) => d.decision === 'BLOCKED');
    expect(blocked).toHaveLength(19);
    for (const d of blocked) expect(d.reasons.map((r: { code: string }) => r.code)).toEqual(['STAGE_ALREADY_APPROVED']);
    expect(await count(t.database, 'approved_stages', `project_id = '${project.id}'`)).toBe(1);
    // The approval carries its decision's amount (the approved total sums approved_stages alone).
    const approvedId = decisions.find((d) => d.decision === 'APPROVED')?.id;
    const [stage] = await query<{ amount: string; decided: string }>(t.database, `
      select s.amount::text as amount, d.amount::text as decided from approved_stages s join disbursements d on d.id = s.disbursement_id
      where s.disbursement_id = '${approvedId}'`);
    expect(stage?.amount).toBe(stage?.decided);
    expect(await count(t.database, 'disbursements', `project_id = '${project.id}'`)).toBe(20);
    // Twenty audit events, each decision's auditSeq its own, the chain without gaps.
    const seqs = decisions.map((d) => d.auditSeq).sort((a, b) => a - b);
    expect(new Set(seqs).size).toBe(20);
    const [gaps] = await query<{ n: string; max: string }>(t.database, 'select count(*)::text as n, max(seq)::text as max from audit_events');
    expect(gaps!.n).toBe(gaps!.max);
    // Identical worker evidence is stored once.
    expect(await count(t.database, 'decision_evidence')).toBeLessThanOrEqual(2);
  });

  it('voids an approval (finance, own) so the stage can be approved again; twice is 409; BLOCKED is not voidable', async () => {
    const { project } = await compliantProject(t.database, 1);
    const approved = (await decide(decisionBody(project, { stage: 'UANG_MUKA' }))).json();
    const blocked = (await decide(decisionBody(project, { stage: 'UANG_MUKA' }))).json();
    expect([approved.decision, blocked.decision]).toEqual(['APPROVED', 'BLOCKED']);

    const voided = await t.app.inject({ method: 'POST', url: `/v1/disbursements/${approved.id}/void`, headers: finance, payload: { reason: 'SP2D ditolak: rekening salah' } });
    expect(voided.statusCode).toBe(200);
    expect(voided.json()).toMatchObject({ id: approved.id, decision: 'APPROVED', voided: { at: '2025-09-15T03:00:00.000Z', by: 'finance-user', reason: 'SP2D ditolak: rekening salah' } });
    const again = await t.app.inject({ method: 'POST', url: `/v1/disbursements/${approved.id}/void`, headers: finance, payload: { reason: 'lagi' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('ALREADY_VOIDED');
    const notVoidable = await t.app.inject({ method: 'POST', url: `/v1/disbursements/${blocked.id}/void`, headers: finance, payload: { reason: 'x' } });
    expect(notVoidable.statusCode).toBe(409);
    expect(notVoidable.json().code).toBe('NOT_VOIDABLE');
    const [event] = await query<{ action: string; data: Record<string, unknown> }>(t.database, `select action, data from audit_events where entity_id = '${approved.id}' and action = 'disbursement.voided'`);
    expect(event!.data).toMatchObject({ projectId: project.id, stage: 'UANG_MUKA', reason: 'SP2D ditolak: rekening salah' });

    // The decision row itself is unchanged (append-only); the stage is free again.
    expect(await count(t.database, 'approved_stages', `project_id = '${project.id}'`)).toBe(0);
    const renewed = (await decide(decisionBody(project, { stage: 'UANG_MUKA' }))).json();
    expect(renewed.decision).toBe('APPROVED');
    // The voided approval no longer bounds the period.
    expect(renewed.period.from).toBe('2025-07-01');
    const fetched = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${approved.id}`, headers: finance });
    expect(fetched.json().voided).toMatchObject({ by: 'finance-user' });
  });

  it('lets only the requesting finance client or an admin void (others: 404 or 403), with a reason', async () => {
    const { project } = await compliantProject(t.database, 1);
    const approved = (await decide(decisionBody(project, { stage: 'TERMIN_1' }))).json();
    const url = `/v1/disbursements/${approved.id}/void`;
    const otherFinance = await t.app.inject({ method: 'POST', url, headers: await t.auth('finance', { sub: 'finance-other' }), payload: { reason: 'x' } });
    expect(otherFinance.statusCode).toBe(404);
    expect((await t.app.inject({ method: 'POST', url, headers: await t.auth('opd'), payload: { reason: 'x' } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url, headers: await t.auth('inspector'), payload: { reason: 'x' } })).statusCode).toBe(403);
    const empty = await t.app.inject({ method: 'POST', url, headers: finance, payload: { reason: '  ' } });
    expect(empty.statusCode).toBe(422);
    const extra = await t.app.inject({ method: 'POST', url, headers: finance, payload: { reason: 'ok', at: 'now' } });
    expect(extra.statusCode).toBe(422);
    const missing = await t.app.inject({ method: 'POST', url: '/v1/disbursements/00000000-0000-4000-8000-000000000000/void', headers: finance, payload: { reason: 'x' } });
    expect(missing.statusCode).toBe(404);
    const admin = await t.app.inject({ method: 'POST', url, headers: await t.auth('admin'), payload: { reason: 'dibatalkan operator' } });
    expect(admin.statusCode).toBe(200);
    expect(admin.json().voided.by).toBe('admin-user');
  });

  it('leaves no rows at all when the transaction fails after the decision was written', async () => {
    const { project } = await compliantProject(t.database, 3);
    // A forced database error in the last step (the audit event) of the decision's transaction.
    await t.database.db.execute(`
      create function test_fail_decided() returns trigger language plpgsql as $$
      begin if new.action = 'disbursement.decided' then raise exception 'forced failure'; end if; return new; end $$;
      create trigger test_fail_decided before insert on audit_events for each row execute function test_fail_decided();` as never);
    const before = await writeCounts(t.database);
    const headers = { ...finance, 'idempotency-key': 'fails-once' };
    const body = decisionBody(project, { stage: 'TERMIN_1' });
    try {
      const failed = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers, payload: body });
      expect(failed.statusCode).toBe(500);
      expect(failed.json().code).toBe('INTERNAL_ERROR');
      expect(failed.body).not.toContain('forced failure');
      expect(await writeCounts(t.database)).toEqual(before);
    } finally {
      await t.database.db.execute('drop trigger test_fail_decided on audit_events; drop function test_fail_decided();' as never);
    }
    // Nothing was kept, not even the key or the evidence: the same request now succeeds whole.
    const retried = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers, payload: body });
    expect(retried.statusCode).toBe(201);
    const detail = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${retried.json().id}`, headers: await t.auth('admin') });
    expect(detail.statusCode).toBe(200);
    expect(detail.json().evidence).toHaveLength(3);
  });

  it('turns a unique violation on the approval into a fresh decision instead of a 500', async () => {
    const { project } = await compliantProject(t.database, 1);
    // Simulates a racing approval the lock did not stop: the first insert of a decision for this
    // project also writes the stage's approval row, so the gate's own insert violates the key.
    await t.database.db.execute(`
      create sequence test_race_once;
      create function test_race() returns trigger language plpgsql as $$
      begin
        if new.project_id = '${project.id}' and new.decision = 'APPROVED' and nextval('test_race_once') = 1 then
          insert into approved_stages (project_id, stage, disbursement_id, value_date) values (new.project_id, new.stage, new.id, new.value_date);
        end if;
        return new;
      end $$;
      create trigger test_race after insert on disbursements for each row execute function test_race();` as never);
    try {
      const res = await decide(decisionBody(project, { stage: 'TERMIN_1' }));
      expect(res.statusCode).toBe(201);
      expect(res.json().decision).toBe('APPROVED');
      // The first attempt was refused by the database and rolled back; the second went through.
      const [seq] = await query<{ last_value: string }>(t.database, 'select last_value::text from test_race_once');
      expect(seq!.last_value).toBe('2');
    } finally {
      await t.database.db.execute('drop trigger test_race on disbursements; drop function test_race(); drop sequence test_race_once;' as never);
    }
    expect(await count(t.database, 'disbursements', `project_id = '${project.id}'`)).toBe(1);
    expect(await count(t.database, 'approved_stages', `project_id = '${project.id}'`)).toBe(1);
    const second = (await decide(decisionBody(project, { stage: 'TERMIN_1' }))).json();
    expect(second.reasons.map((r: { code: string }) => r.code)).toEqual(['STAGE_ALREADY_APPROVED']);
  });
});
