import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { fakeHttpProvider, insertCoveredWorker, insertProject, insertWorker, query } from '../disbursements/fixtures.ts';

// Monday 15 Sep 2025, 10:00 WIB; moved by tests that need time to pass.
let now = new Date('2025-09-15T03:00:00Z');
const clock = () => new Date(now);

describe('overrides (maker-checker)', async () => {
  // The live upstream is down: every refresh fails, so decisions are BLOCKED as unverified (retryable).
  const t = await buildTestApp({ clock, provider: fakeHttpProvider() });
  const snapshot = await buildTestApp({ clock });

  async function blocked(app: TestApp, sub = 'finance-a', projectId?: string) {
    const pid = projectId ?? (await insertProject(app.database)).id;
    if (!projectId) await insertWorker(app.database, pid);
    const key = randomUUID();
    const res = await app.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...(await app.auth('finance', { sub })), 'idempotency-key': key },
      payload: { projectId: pid, stage: 'TERMIN_1', amount: 100_000_000, requestRef: `SPM/${key.slice(0, 8)}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().decision).toBe('BLOCKED');
    return { decision: res.json(), key, projectId: pid };
  }
  const ask = async (app: TestApp, id: string, role: 'finance' | 'admin' = 'finance', sub = 'finance-a') =>
    app.app.inject({ method: 'POST', url: `/v1/disbursements/${id}/override-requests`, headers: await app.auth(role, { sub }), payload: { reason: 'BPJS sedang gangguan sejak pagi, SP2D akhir tahun' } });
  const decide = async (id: string, action: 'approve' | 'reject', role: 'treasury' | 'admin' | 'inspector' | 'opd' | 'finance' = 'treasury', sub = 'kuasa-bud') =>
    t.app.inject({ method: 'POST', url: `/v1/override-requests/${id}/${action}`, headers: await t.auth(role, { sub }), payload: { note: 'Disetujui: gangguan BPJS terkonfirmasi' } });

  it('releases a decision blocked only by an outage: requested by finance, approved by treasury, linked and receipted', async () => {
    const { decision, key } = await blocked(t);
    expect(decision.reasons.every((r: { retryable: boolean; severity: string }) => r.severity !== 'block' || r.retryable)).toBe(true);
    const created = await ask(t, decision.id);
    expect(created.statusCode, created.body).toBe(201);
    const request = created.json();
    // Monday + 3 working days = Thursday, same time of day.
    expect(request).toMatchObject({ disbursementId: decision.id, state: 'PENDING', requestedBy: 'finance-a', expiresAt: '2025-09-18T03:00:00.000Z' });
    expect((await ask(t, decision.id)).statusCode).toBe(409);
    // Another finance client does not even see the decision.
    expect((await ask(t, decision.id, 'finance', 'finance-b')).statusCode).toBe(404);

    for (const role of ['inspector', 'opd', 'finance'] as const) expect((await decide(request.id, 'approve', role)).statusCode, role).toBe(403);
    const listed = await t.app.inject({ url: '/v1/override-requests?state=PENDING', headers: await t.auth('treasury') });
    expect(listed.json().items.map((i: { id: string }) => i.id)).toContain(request.id);

    const approved = await decide(request.id, 'approve');
    expect(approved.statusCode, approved.body).toBe(200);
    const body = approved.json();
    expect(body).toMatchObject({ state: 'APPROVED', decidedBy: 'kuasa-bud' });
    expect(body.decision).toMatchObject({ decision: 'APPROVED', overriddenFrom: decision.id, valueDate: '2025-09-15', override: { requestedBy: 'finance-a', approvedBy: 'kuasa-bud' } });
    expect(body.decision.reasons.at(-1)).toMatchObject({ code: 'OVERRIDDEN', severity: 'warn' });
    expect(body.decision.reasons.map((r: { code: string }) => r.code)).toEqual([...decision.reasons.map((r: { code: string }) => r.code), 'OVERRIDDEN']);
    expect((await decide(request.id, 'approve', 'treasury', 'other-bud')).statusCode).toBe(409);

    // The new decision belongs to the finance client of the original: it reads it and gets its receipt.
    const own = await t.app.inject({ url: `/v1/disbursements/${body.overrideDisbursementId}`, headers: await t.auth('finance', { sub: 'finance-a' }) });
    expect(own.statusCode).toBe(200);
    const receipt = await t.app.inject({ url: `/v1/disbursements/${body.overrideDisbursementId}/receipt`, headers: await t.auth('finance', { sub: 'finance-a' }) });
    expect(receipt.statusCode, receipt.body).toBe(200);
    expect(decodeJwt(receipt.json().jws)).toMatchObject({ decision: 'APPROVED', override: { from: decision.id, requestedBy: 'finance-a', approvedBy: 'kuasa-bud' } });
    // The original key still answers the original BLOCKED decision.
    const replay = await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('finance', { sub: 'finance-a' })), 'idempotency-key': key },
      payload: { projectId: decision.projectId, stage: 'TERMIN_1', amount: 100_000_000, requestRef: decision.requestRef },
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ id: decision.id, decision: 'BLOCKED' });
    expect((await ask(t, decision.id)).statusCode).toBe(409);
    const events = await query<{ action: string }>(t.database, `select action from audit_events where entity_id in ('${request.id}', '${body.overrideDisbursementId}') order by seq`);
    expect(events.map((e) => e.action)).toEqual(['override.requested', 'disbursement.decided', 'override.approved']);
  });

  it('refuses the requester as approver (403 SAME_PERSON), also in the database itself', async () => {
    const { decision } = await blocked(t);
    const created = await ask(t, decision.id, 'admin', 'ops-1');
    expect(created.statusCode, created.body).toBe(201);
    const same = await decide(created.json().id, 'approve', 'admin', 'ops-1');
    expect(same.statusCode).toBe(403);
    expect(same.json().code).toBe('SAME_PERSON');
    await expect(query(t.database, `insert into override_decisions (request_id, requested_by, state, decided_by, decided_at, note)
      values ('${created.json().id}', 'ops-1', 'REJECTED', 'ops-1', now(), 'x')`))
      .rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/override_decisions_other_person/) }) });
    await expect(query(t.database, `update override_requests set requested_by = 'x' where id = '${created.json().id}'`)).rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }) });
  });

  it('rejects, after which a new request may be made; a proven violation or snapshot mode is never overridable', async () => {
    const { decision } = await blocked(t);
    const first = (await ask(t, decision.id)).json();
    const rejected = await decide(first.id, 'reject');
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ state: 'REJECTED', overrideDisbursementId: null });
    expect((await decide(first.id, 'approve')).statusCode).toBe(409);
    expect((await ask(t, decision.id)).statusCode).toBe(201);

    const snap = await blocked(snapshot);
    const refused = await ask(snapshot, snap.decision.id);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('OVERRIDE_NOT_ALLOWED');

    // An empty roster is a proven fact, not a failure to get proof.
    const project = await insertProject(t.database);
    const res = await t.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('finance', { sub: 'finance-a' })), 'idempotency-key': randomUUID() },
      payload: { projectId: project.id, stage: 'TERMIN_1', amount: 1, requestRef: 'SPM/empty' },
    });
    expect(res.json().decision).toBe('BLOCKED');
    expect((await ask(t, res.json().id)).json().code).toBe('OVERRIDE_NOT_ALLOWED');
  });

  it('expires after 3 working days, skipping weekends and holidays', async () => {
    now = new Date('2025-12-23T03:00:00Z'); // Tuesday; 24-26 Dec are Christmas holidays and cuti bersama
    const { decision } = await blocked(t);
    const request = (await ask(t, decision.id)).json();
    expect(request.expiresAt).toBe('2025-12-30T03:00:00.000Z');
    now = new Date('2025-12-30T03:00:00Z');
    const late = await decide(request.id, 'approve');
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('OVERRIDE_EXPIRED');
    const listed = await t.app.inject({ url: '/v1/override-requests?state=EXPIRED', headers: await t.auth('inspector') });
    expect(listed.json().items.map((i: { id: string }) => i.id)).toContain(request.id);
    now = new Date('2025-09-15T03:00:00Z');
  });

  it('refuses (422) an approval that would value the payment past the project\'s last payable day', async () => {
    const project = await insertProject(t.database);
    await insertWorker(t.database, project.id);
    // Works ended a year ago: payments may be valued up to 16 Sep 2025 (end + 365 days).
    await query(t.database, `update projects set start_date = '2024-01-02', end_date = '2024-09-16' where id = '${project.id}'`);
    const { decision } = await blocked(t, 'finance-a', project.id);
    const request = (await ask(t, decision.id)).json();
    now = new Date('2025-09-17T03:00:00Z');
    try {
      const late = await decide(request.id, 'approve');
      expect(late.statusCode, late.body).toBe(422);
      expect(late.json().code).toBe('VALIDATION_FAILED');
      expect(await query(t.database, `select 1 from override_decisions where request_id = '${request.id}'`)).toHaveLength(0);
    } finally {
      now = new Date('2025-09-15T03:00:00Z');
    }
  });

  it('takes the stage under the project lock: of two overrides of one stage approved at once, one wins (409 OVERRIDE_CONFLICT)', async () => {
    const project = await insertProject(t.database);
    await insertWorker(t.database, project.id);
    const a = await blocked(t, 'finance-a', project.id);
    const b = await blocked(t, 'finance-a', project.id);
    const ra = (await ask(t, a.decision.id)).json();
    const rb = (await ask(t, b.decision.id)).json();
    const answers = await Promise.all([decide(ra.id, 'approve', 'treasury', 'bud-1'), decide(rb.id, 'approve', 'treasury', 'bud-2')]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.statusCode === 409)!.json().code).toBe('OVERRIDE_CONFLICT');
    const approvals = await query<{ n: string }>(t.database, `select count(*)::text as n from approved_stages where project_id = '${project.id}'`);
    expect(approvals).toEqual([{ n: '1' }]);
    // And an ordinary request for the stage now meets the approval.
    const after = await blocked(t, 'finance-a', project.id);
    expect(after.decision.reasons.map((r: { code: string }) => r.code)).toContain('STAGE_ALREADY_APPROVED');
  });

  it('answers 409 OVERRIDE_CONFLICT when the contract value would be exceeded', async () => {
    const project = await insertProject(t.database, { contractValue: 150_000_000, registrationRecord: null });
    await insertCoveredWorker(t.database, project);
    const { decision } = await blocked(t, 'finance-a', project.id);
    const request = (await ask(t, decision.id)).json();
    await query(t.database, `insert into disbursements (id, project_id, stage, amount, request_ref, value_date, final, decision, reasons, summary,
      policy_id, policy_version, period_from, period_to, evidence, evidence_sha256, requested_by, decided_at)
      select gen_random_uuid(), project_id, 'UANG_MUKA', 100000000, 'SPM/x', value_date, false, 'APPROVED', '[]', summary, policy_id,
      policy_version, period_from, period_to, evidence, evidence_sha256, requested_by, decided_at from disbursements where id = '${decision.id}'`);
    await query(t.database, `insert into approved_stages (project_id, stage, disbursement_id, value_date)
      select project_id, stage, id, value_date from disbursements where project_id = '${project.id}' and stage = 'UANG_MUKA'`);
    const res = await decide(request.id, 'approve');
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('OVERRIDE_CONFLICT');
  });
});
