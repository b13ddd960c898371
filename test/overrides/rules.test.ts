// The override rules not covered by overrides.test.ts: who may ask and answer, what the database
// itself refuses, the races (concurrent requests, answers, and an ordinary decision of the same
// stage), replay of an override's decision, and the outbox events of every step.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth-tokens.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { fakeHttpProvider, insertMembership, insertProject, insertWorker, query } from '../disbursements/fixtures.ts';

const clock = () => new Date('2025-09-15T03:00:00Z');
const REASON = { reason: 'Layanan BPJS gangguan sejak pagi (pengumuman resmi terlampir)' };
const NOTE = { note: 'Gangguan BPJS terkonfirmasi oleh BPKAD' };

describe('override rules', async () => {
  // The live upstream is down: every refresh fails.
  const t = await buildTestApp({ clock, provider: fakeHttpProvider(), env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
  // Same database, snapshot mode: decides from stored data, for the ordinary decision of a race.
  const snapshot = await buildTestApp({ clock, testKeys: t.testKeys });
  // A provider that says it refreshed but stored nothing: unverified, yet no provider failure.
  const quiet = await buildTestApp({
    clock, testKeys: t.testKeys,
    provider: fakeHttpProvider({
      refreshMemberships: async (niks) => ({ refreshed: [...niks], notFound: [], failed: [] }),
      refreshRegistrations: async (numbers) => ({ refreshed: [...numbers], notFound: [], failed: [] }),
    }),
  });

  async function decideOn(app: TestApp, projectId: string, sub = 'finance-a') {
    const key = randomUUID();
    const res = await app.app.inject({
      method: 'POST', url: '/v1/disbursements', headers: { ...(await app.auth('finance', { sub })), 'idempotency-key': key },
      payload: { projectId, stage: 'TERMIN_1', amount: 100_000_000, requestRef: `SPM/${key.slice(0, 8)}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; decision: string; reasons: Array<{ code: string }> };
  }
  async function blocked(app: TestApp = t) {
    const project = await insertProject(app.database);
    const worker = await insertWorker(app.database, project.id);
    const decision = await decideOn(app, project.id);
    expect(decision.decision).toBe('BLOCKED');
    return { project, worker, decision };
  }
  const ask = async (id: string, role: 'finance' | 'admin' | 'treasury' | 'opd' | 'inspector' = 'finance', sub = 'finance-a') =>
    t.app.inject({ method: 'POST', url: `/v1/disbursements/${id}/override-requests`, headers: await t.auth(role, { sub }), payload: REASON });
  const answer = async (id: string, action: 'approve' | 'reject', sub = 'kuasa-bud', headers?: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: `/v1/override-requests/${id}/${action}`, headers: headers ?? await t.auth('treasury', { sub }), payload: NOTE });

  it('lets finance ask for its own decisions and admin for any; treasury, OPD and the Inspektorat may not ask', async () => {
    const { decision } = await blocked();
    for (const role of ['treasury', 'opd', 'inspector'] as const) expect((await ask(decision.id, role, `${role}-1`)).statusCode, role).toBe(403);
    const byAdmin = await ask(decision.id, 'admin', 'admin-1');
    expect(byAdmin.statusCode, byAdmin.body).toBe(201);
    expect(byAdmin.json()).toMatchObject({ state: 'PENDING', requestedBy: 'admin-1' });
  });

  it('refuses a token holding inspector besides treasury: the Inspektorat never approves payments', async () => {
    const { decision } = await blocked();
    const request = (await ask(decision.id)).json();
    const config = t.config;
    const both = await mintToken(t.testKeys.idpJwk, { sub: 'auditor-1', roles: ['inspector', 'treasury'] }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM,
    });
    const res = await answer(request.id, 'approve', '', { authorization: `Bearer ${both}` });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('FORBIDDEN');
  });

  it('only a provider failure recorded in the evidence makes an unverified block overridable', async () => {
    const { decision } = await blocked(quiet);
    expect(decision.reasons.map((r) => r.code)).toContain('MEMBERSHIP_UNVERIFIED');
    const res = await ask(decision.id);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('OVERRIDE_NOT_ALLOWED');
    // The failing upstream's decision records it, and may be overridden.
    const failed = await blocked();
    const evidence = await query<{ kinds: string[] }>(t.database, `select evidence->'providerFailure'->'kinds' as kinds from disbursements where id = '${failed.decision.id}'`);
    expect(evidence).toEqual([{ kinds: ['FAILED'] }]);
    expect((await ask(failed.decision.id)).statusCode).toBe(201);
  });

  it('keeps one pending request per decision under concurrent requests, and in the database itself', async () => {
    const { decision } = await blocked();
    const answers = await Promise.all([ask(decision.id), ask(decision.id), ask(decision.id)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
    expect(answers.filter((r) => r.statusCode === 409).map((r) => r.json().code)).toEqual(['OVERRIDE_PENDING', 'OVERRIDE_PENDING']);
    // A second chain start for the decision, written past the service, is refused by the unique partial index.
    await expect(query(t.database, `insert into override_requests (disbursement_id, reason, requested_by, requested_at, expires_at)
      values ('${decision.id}', 'x', 'finance-a', now(), now() + interval '1 day')`))
      .rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/override_requests_first_per_decision/) }) });
    const first = answers.find((r) => r.statusCode === 201)!.json();
    // So is a second request following the same predecessor.
    await expect(query(t.database, `insert into override_requests (disbursement_id, reason, requested_by, requested_at, expires_at, follows)
      values ('${decision.id}', 'x', 'finance-a', now(), now() + interval '1 day', '${first.id}'),
             ('${decision.id}', 'y', 'finance-a', now(), now() + interval '1 day', '${first.id}')`))
      .rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/override_requests_follows_key/) }) });
  });

  it('answers a request once when two treasury officers answer at the same moment', async () => {
    const { decision } = await blocked();
    const request = (await ask(decision.id)).json();
    const answers = await Promise.all([answer(request.id, 'approve', 'bud-1'), answer(request.id, 'reject', 'bud-2')]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.statusCode === 409)!.json().code).toBe('OVERRIDE_DECIDED');
    const rows = await query<{ n: number }>(t.database, `select count(*)::int as n from override_decisions where request_id = '${request.id}'`);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('races an approval against an ordinary decision of the same stage: exactly one approval, the loser told why', async () => {
    for (let round = 0; round < 3; round++) {
      const { project, worker, decision } = await blocked();
      const request = (await ask(decision.id)).json();
      // The worker's membership arrives (e.g. imported): the stored data now approves the stage.
      await insertMembership(t.database, worker, project);
      const [approval, ordinary] = await Promise.all([answer(request.id, 'approve', `bud-${round}`), decideOn(snapshot, project.id, 'finance-b')]);
      const approvals = await query<{ id: string }>(t.database, `select disbursement_id as id from approved_stages where project_id = '${project.id}'`);
      expect(approvals).toHaveLength(1);
      if (approval.statusCode === 200) {
        expect(approvals[0]!.id).toBe(approval.json().overrideDisbursementId);
        expect(ordinary.reasons.map((r) => r.code)).toContain('STAGE_ALREADY_APPROVED');
      } else {
        expect(approval.statusCode, approval.body).toBe(409);
        expect(approval.json().code).toBe('OVERRIDE_CONFLICT');
        expect(ordinary).toMatchObject({ id: approvals[0]!.id, decision: 'APPROVED' });
        // Nothing was created: the request stays pending, with no answer row.
        const answered = await query(t.database, `select 1 from override_decisions where request_id = '${request.id}'`);
        expect(answered).toHaveLength(0);
      }
    }
  });

  it('replays an override\'s decision as the block it released; records and notifies every step without personal data', async () => {
    const hook = await t.app.inject({
      method: 'POST', url: '/v1/webhooks', headers: await t.auth('admin'),
      payload: { url: 'http://127.0.0.1:9/hook', events: ['override.requested', 'override.decided', 'disbursement.decided'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);
    const { decision } = await blocked();
    const request = (await ask(decision.id)).json();
    const approved = await answer(request.id, 'approve');
    expect(approved.statusCode, approved.body).toBe(200);
    const newId = approved.json().overrideDisbursementId as string;

    const replay = await t.app.inject({ url: `/v1/disbursements/${newId}/replay`, headers: await t.auth('admin') });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toMatchObject({ matches: true, evidenceIntact: true, decision: 'BLOCKED' });

    const events = await query<{ type: string; data: Record<string, unknown> }>(t.database,
      `select type, data from webhook_events where data->>'id' in ('${request.id}', '${newId}') order by created_at, type`);
    expect(events.map((e) => e.type).sort()).toEqual(['disbursement.decided', 'override.decided', 'override.requested']);
    const decided = events.find((e) => e.type === 'disbursement.decided')!.data;
    expect(decided).toMatchObject({ decision: 'APPROVED', overriddenFrom: decision.id });
    for (const e of events) {
      const text = JSON.stringify(e.data);
      expect(text).not.toMatch(/\d{16}/); // no full NIK
      expect(text).not.toContain(REASON.reason); // free text stays in the audit chain
      expect(text).not.toContain(NOTE.note);
    }
    const audit = await query<{ action: string; data: { note?: string; reason?: string } }>(t.database,
      `select action, data from audit_events where entity_id = '${request.id}' order by seq`);
    expect(audit).toMatchObject([{ action: 'override.requested', data: { reason: REASON.reason } }, { action: 'override.approved', data: { note: NOTE.note } }]);
  });

  it('records a rejection, and lists to finance only its own requests', async () => {
    const { decision } = await blocked();
    const request = (await ask(decision.id)).json();
    expect((await answer(request.id, 'reject')).json()).toMatchObject({ state: 'REJECTED', decidedBy: 'kuasa-bud' });
    const audit = await query<{ action: string }>(t.database, `select action from audit_events where entity_id = '${request.id}' order by seq`);
    expect(audit.map((a) => a.action)).toEqual(['override.requested', 'override.rejected']);
    const mine = await t.app.inject({ url: '/v1/override-requests', headers: await t.auth('finance', { sub: 'finance-a' }) });
    expect(mine.json().items.map((i: { id: string }) => i.id)).toContain(request.id);
    const other = await t.app.inject({ url: '/v1/override-requests', headers: await t.auth('finance', { sub: 'finance-z' }) });
    expect(other.json().items).toEqual([]);
    expect((await t.app.inject({ url: '/v1/override-requests', headers: await t.auth('opd') })).statusCode).toBe(403);
  });
});
