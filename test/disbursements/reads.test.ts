// Reading decisions: evidence, masking, scoping, the list and its cursor, and replay.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { V1, clock, compliantProject, decisionBody, insertCoveredWorker, insertProject, insertWorker, query } from './fixtures.ts';

const masked = (nik: string) => `${nik.slice(0, 6)}******${nik.slice(12)}`;

describe('reading decisions', async () => {
  const t = await buildTestApp({ clock, env: V1 });
  let keys = 0;
  const decide = async (payload: Record<string, unknown>, sub = 'finance-user') =>
    (await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('finance', { sub })), 'idempotency-key': `r-${++keys}` }, payload })).json();
  const get = async (url: string, role: 'finance' | 'opd' | 'inspector' | 'admin', o: { sub?: string; opd?: string } = {}) =>
    t.app.inject({ method: 'GET', url, headers: await t.auth(role, o) });

  // A project of DPUPR with one compliant worker, one not found, one never imported.
  const project = await insertProject(t.database);
  const ok = await insertCoveredWorker(t.database, project, { name: 'Ahmad Fauzi' });
  const notFound = await insertCoveredWorker(t.database, project, { name: 'Rudi Hartono' }, { found: false, asOf: new Date('2025-09-14T20:00:00Z') });
  const unknown = await insertWorker(t.database, project.id, { name: 'Wahyu Pratama', endDate: '2025-12-31' });
  const blocked = await decide(decisionBody(project, { stage: 'TERMIN_1' }));

  it('shows the evidence: one entry per checked worker, with the membership as used', async () => {
    const res = await get(`/v1/disbursements/${blocked.id}`, 'opd');
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d).toMatchObject({ id: blocked.id, decision: 'BLOCKED', auditSeq: blocked.auditSeq, evidenceSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(d.registration).toEqual({
      registrationNumber: project.registration, source: 'snapshot', state: null, status: null, premiumPaidUpstream: null,
      premiumPaidRecorded: 1_750_000, contractValue: 1_110_000_000, vatPercent: '11.00', contractorEmployerNpp: '12345678',
    });
    const byNik = new Map(d.evidence.map((e: { nik: string }) => [e.nik, e]));
    expect(d.evidence).toHaveLength(3);
    expect(byNik.get(ok.nik)).toEqual({
      assignmentId: ok.assignmentId, nik: ok.nik, name: 'Ahmad Fauzi', kpj: ok.kpj,
      assignment: { startDate: '2025-07-01', endDate: null }, lookup: 'FOUND',
      membership: {
        nik: ok.nik, kpj: ok.kpj, status: 'ACTIVE', programs: ['JKK', 'JKM', 'JHT'], coverageStart: '2025-07-01', coverageEnd: '2026-06-30',
        segment: 'JAKON', projectNumber: project.registration, employerNpp: null, asOf: '2025-09-15T00:00:00.000Z',
      },
      verifiedAt: '2025-09-15T00:00:00.000Z', outcome: 'COMPLIANT', codes: [],
    });
    expect(byNik.get(notFound.nik)).toMatchObject({ lookup: 'NOT_FOUND', membership: null, verifiedAt: '2025-09-14T20:00:00.000Z', outcome: 'NON_COMPLIANT', codes: ['WORKER_NOT_FOUND'] });
    expect(byNik.get(unknown.nik)).toMatchObject({ assignment: { startDate: '2025-07-01', endDate: '2025-12-31' }, lookup: 'UNVERIFIED', membership: null, verifiedAt: null, outcome: 'UNVERIFIED', codes: ['MEMBERSHIP_UNVERIFIED'] });
  });

  it('masks NIKs and drops names and KPJs for finance everywhere', async () => {
    const detail = await get(`/v1/disbursements/${blocked.id}`, 'finance');
    expect(detail.statusCode).toBe(200);
    for (const w of [ok, notFound, unknown]) {
      expect(detail.body).not.toContain(w.nik);
      expect(detail.body).not.toContain(w.name);
      expect(detail.body).not.toContain(w.kpj);
    }
    const entry = detail.json().evidence.find((e: { assignmentId: string }) => e.assignmentId === ok.assignmentId);
    expect(entry.nik).toBe(masked(ok.nik));
    expect(entry.membership.nik).toBe(masked(ok.nik));
    expect(entry.name).toBeUndefined();
    expect(detail.json().reasons.find((r: { code: string }) => r.code === 'WORKER_NOT_FOUND').workers).toEqual([{ nik: masked(notFound.nik) }]);
    const list = await get(`/v1/disbursements?projectId=${project.id}`, 'finance');
    expect(list.body).not.toContain(notFound.nik);
    const replay = await get(`/v1/disbursements/${blocked.id}/replay`, 'finance');
    expect(replay.body).not.toContain(notFound.nik);
    expect(replay.json().reasons.find((r: { code: string }) => r.code === 'WORKER_NOT_FOUND').workers).toEqual([{ nik: masked(notFound.nik) }]);
  });

  it('scopes reads: finance its own, opd its OPD, inspector and admin all; others get 404', async () => {
    const url = `/v1/disbursements/${blocked.id}`;
    expect((await get(url, 'finance', { sub: 'finance-other' })).statusCode).toBe(404);
    expect((await get(`${url}/replay`, 'finance', { sub: 'finance-other' })).statusCode).toBe(404);
    expect((await get(url, 'opd', { opd: 'DINKES' })).statusCode).toBe(404);
    expect((await get(`${url}/replay`, 'opd', { opd: 'DINKES' })).statusCode).toBe(404);
    expect((await get(url, 'inspector')).statusCode).toBe(200);
    expect((await get(url, 'admin')).statusCode).toBe(200);
    expect((await get('/v1/disbursements/00000000-0000-4000-8000-000000000000', 'admin')).statusCode).toBe(404);
    expect((await get('/v1/disbursements/not-a-uuid', 'admin')).statusCode).toBe(422);
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);

    const otherFinance = await get('/v1/disbursements', 'finance', { sub: 'finance-other' });
    expect(otherFinance.json().items.map((d: { id: string }) => d.id)).not.toContain(blocked.id);
    const otherOpd = await get('/v1/disbursements', 'opd', { opd: 'DINKES' });
    expect(otherOpd.json().items).toEqual([]);
    const ownOpd = await get('/v1/disbursements', 'opd');
    expect(ownOpd.json().items.map((d: { id: string }) => d.id)).toContain(blocked.id);
    // The OPD's own staff see full NIKs.
    expect(ownOpd.body).toContain(notFound.nik);
  });

  it('lists newest first with filters and an opaque cursor that visits every decision once', async () => {
    const { project: p2 } = await compliantProject(t.database, 1);
    const made = [];
    for (let i = 1; i <= 5; i++) made.push(await decide(decisionBody(p2, { stage: `TERMIN_${i}` }), 'finance-lister'));
    made.push(await decide(decisionBody(p2, { stage: 'TERMIN_1' }), 'finance-lister'));
    const lister = { sub: 'finance-lister' };
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/v1/disbursements?limit=2${cursor ? `&cursor=${cursor}` : ''}`, 'finance', lister);
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((d: { id: string }) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen)).toEqual(new Set(made.map((d) => d.id)));

    const approved = await get(`/v1/disbursements?projectId=${p2.id}&decision=APPROVED`, 'admin');
    expect(approved.json().items).toHaveLength(5);
    const blockedOnly = await get(`/v1/disbursements?projectId=${p2.id}&decision=BLOCKED`, 'admin');
    expect(blockedOnly.json().items.map((d: { stage: string }) => d.stage)).toEqual(['TERMIN_1']);
    // from/to: local calendar dates (whole days in Asia/Jakarta) or RFC 3339 instants.
    const day = async (q: string) => (await get(`/v1/disbursements?projectId=${p2.id}&${q}`, 'admin')).json().items.length;
    expect(await day('from=2025-09-15&to=2025-09-15')).toBe(6);
    expect(await day('from=2025-09-16')).toBe(0);
    expect(await day('to=2025-09-14')).toBe(0);
    expect(await day('from=2025-09-15T03:00:00Z&to=2025-09-15T03:00:00Z')).toBe(6);
    expect(await day('from=2025-09-15T03:00:00.001Z')).toBe(0);
    expect((await get('/v1/disbursements?from=yesterday', 'admin')).statusCode).toBe(422);
    expect((await get('/v1/disbursements?limit=501', 'admin')).statusCode).toBe(422);
    expect((await get('/v1/disbursements?cursor=bogus', 'admin')).statusCode).toBe(422);
  });

  it('replays a decision with its stored input and policy version', async () => {
    const res = await get(`/v1/disbursements/${blocked.id}/replay`, 'admin');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      matches: true, evidenceIntact: true, decision: 'BLOCKED', period: blocked.period, summary: blocked.summary,
      policy: { id: 'perwali-palembang-3-2025', version: 1 },
    });
    const shape = (reasons: Array<{ code: string; workers?: unknown[] }>) => reasons.map((r) => [r.code, r.workers?.length ?? 0]);
    expect(shape(res.json().reasons)).toEqual(shape(blocked.reasons));
    expect(shape(res.json().reasons)).toEqual([['WORKER_NOT_FOUND', 1], ['MEMBERSHIP_UNVERIFIED', 1]]);
    // Later changes to the roster or memberships do not change what the decision rested on.
    await query(t.database, `update memberships set found = true, status = 'ACTIVE', programs = '{JKK,JKM}', coverage_start = '2025-07-01', coverage_end = '2026-06-30', segment = 'BPU' where nik = '${notFound.nik}'`);
    expect((await get(`/v1/disbursements/${blocked.id}/replay`, 'admin')).json().matches).toBe(true);
  });

  it('keeps replaying a decision stored under version 1 (frozen fixture)', async () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/decision-v1.json', import.meta.url), 'utf8'));
    const insert = (table: string, row: unknown) =>
      t.database.db.execute(`insert into ${table} select * from json_populate_record(null::${table}, '${JSON.stringify(row).replaceAll("'", "''")}'::json)` as never);
    await insert('contractors', fixture.contractor);
    await insert('projects', fixture.project);
    await insert('decision_evidence', fixture.evidence);
    await insert('disbursements', fixture.disbursement);
    const id = fixture.disbursement.id;
    const res = await get(`/v1/disbursements/${id}/replay`, 'admin');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ matches: true, evidenceIntact: true, decision: fixture.expected.decision, summary: fixture.expected.summary, period: fixture.expected.period });
    expect(res.json().reasons.map((r: { code: string }) => r.code)).toEqual(fixture.expected.reasons);
    const detail = await get(`/v1/disbursements/${id}`, 'inspector');
    expect(detail.statusCode).toBe(200);
    expect(detail.json().evidence).toHaveLength(fixture.expected.summary.workersChecked);
    expect(detail.json().auditSeq).toBeNull();
  });
});
