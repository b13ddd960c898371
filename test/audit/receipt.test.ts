import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, importJWK, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.ts';
import type { ReceiptPayload } from '../../src/disbursements/receipt.ts';
import { verifyJson } from '../../src/audit/signing.ts';
import { verifyInclusion } from '../../src/audit/proof-check.ts';
import { buildTestApp } from '../helpers/app.ts';
import { es256Jwk } from '../helpers/keys.ts';
import { appendEvents } from './support.ts';

describe('decision receipts', async () => {
  const t = await buildTestApp();
  const { db } = t.database;
  await appendEvents(t, 3); // so auditSeq is not trivially 1

  // Decisions are written here directly (the gate is another feature): a receipt reads the tables.
  const contractorId = randomUUID();
  await db.execute(sql`insert into contractors (id, name, nib, npwp) values (${contractorId}, 'PT Uji Bangun', '1234567890123', '013121660091000')`);
  const project = async (code: string, opd: string) => {
    const id = randomUUID();
    await db.execute(sql`insert into projects (id, code, name, opd_code, contractor_id, funding_source, fiscal_year, contract_number, contract_value, start_date, end_date)
      values (${id}, ${code}, 'Jalan Uji', ${opd}, ${contractorId}, 'APBD', 2025, 'SPK-1', 1000000000, '2025-01-01', '2025-12-31')`);
    return id;
  };
  const decide = async (projectId: string, requestedBy: string, decision: 'APPROVED' | 'BLOCKED', reasons: unknown[]) => {
    const id = randomUUID();
    const decidedAt = new Date('2025-09-15T03:04:05.678Z');
    return db.transaction(async (tx) => {
      await tx.execute(sql`insert into disbursements (id, project_id, stage, amount, request_ref, value_date, final, decision, reasons, summary, policy_id, policy_version, period_from, period_to, evidence, evidence_sha256, requested_by, decided_at)
        values (${id}, ${projectId}, 'TERMIN_1', 150000000, 'SPM-001/2025', '2025-09-15', false, ${decision}, ${JSON.stringify(reasons)}::jsonb, '{}'::jsonb,
                'perwali-palembang-3-2025', 1, '2025-01-01', '2025-09-15', '[]'::jsonb, ${'e'.repeat(64)}, ${requestedBy}, ${decidedAt.toISOString()})`);
      const event = await appendAudit(tx, { actor: { sub: requestedBy, roles: ['finance'], opd: null }, action: 'disbursement.decided', entityType: 'disbursement', entityId: id, data: { decision }, requestId: null }, () => new Date());
      return { id, auditSeq: event.seq };
    });
  };

  const dpupr = await project('PRJ-DPUPR-1', 'DPUPR');
  const perkim = await project('PRJ-PERKIM-1', 'PERKIM');
  const approved = await decide(dpupr, 'finance-user', 'APPROVED', [{ code: 'COVERAGE_EXPIRING_SOON', severity: 'warn' }]);
  const blocked = await decide(perkim, 'finance-other', 'BLOCKED', [
    { code: 'MEMBERSHIP_INACTIVE', severity: 'block', workers: [{ nik: '167101******0001' }] },
    { code: 'PREMIUM_SHORTFALL', severity: 'block' },
    { code: 'MEMBERSHIP_INACTIVE', severity: 'block' },
  ]);
  await db.execute(sql`insert into disbursement_voids (disbursement_id, at, by, reason) values (${approved.id}, '2025-09-20T01:00:00Z', 'finance-user', 'SP2D ditolak')`);

  const jwks = async () => (await t.app.inject({ method: 'GET', url: '/v1/audit/jwks.json' })).json() as JSONWebKeySet;
  const receipt = async (id: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url: `/v1/disbursements/${id}/receipt`, headers });

  it('signs what the decision says, verifiable with the published JWKS', async () => {
    const res = await receipt(approved.id, await t.auth('finance'));
    expect(res.statusCode).toBe(200);
    const { jws } = res.json() as { jws: string };
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: 'ES256', kid: 'test-audit-1', typ: 'gerbang-receipt+jws' });
    const { payload } = await verifyJson(jws, await jwks(), 'gerbang-receipt+jws');
    expect(payload).toMatchObject({
      id: approved.id,
      project: { id: dpupr, code: 'PRJ-DPUPR-1' },
      stage: 'TERMIN_1',
      amount: 150000000,
      requestRef: 'SPM-001/2025',
      decision: 'APPROVED',
      reasonCodes: ['COVERAGE_EXPIRING_SOON'],
      policy: { id: 'perwali-palembang-3-2025', version: 1 },
      decidedAt: '2025-09-15T03:04:05.678Z',
      auditSeq: approved.auditSeq,
      evidenceSha256: 'e'.repeat(64),
      voided: { at: '2025-09-20T01:00:00.000Z' },
    } satisfies Partial<ReceiptPayload>);
    expect(approved.auditSeq).toBe(4);
    // Contract 2.7: the payload proves the decision's event is in the tree of a signed note.
    const p = payload as ReceiptPayload;
    const { note, event } = res.json() as { note: string; event: { seq: number } };
    expect(event.seq).toBe(approved.auditSeq);
    expect(p.leafIndex).toBe(approved.auditSeq - 1);
    expect(note.split('\n').slice(0, 3)).toEqual(['gerbang.local/audit', String(p.treeSize), p.rootHash]);
    const b = (s: string) => Buffer.from(s, 'base64');
    expect(verifyInclusion(p.leafIndex, p.treeSize, b(p.leafHash), p.inclusion.map(b), b(p.rootHash))).toBe(true);
    expect(verifyInclusion(p.leafIndex, p.treeSize, b(p.leafHash), p.inclusion.map(b), Buffer.alloc(32))).toBe(false);
  });

  it('lists each reason code once and carries no personal data', async () => {
    const res = await receipt(blocked.id, await t.auth('inspector'));
    const { payload } = await verifyJson((res.json() as { jws: string }).jws, await jwks());
    expect(payload).toMatchObject({ decision: 'BLOCKED', reasonCodes: ['MEMBERSHIP_INACTIVE', 'PREMIUM_SHORTFALL'], voided: null });
    expect(JSON.stringify(payload)).not.toContain('167101');
  });

  it('answers finance for its own decisions, OPD staff for their OPD, inspector and admin; others 404', async () => {
    const cases: Array<[string, Record<string, string>, number]> = [
      ['own finance', await t.auth('finance', { sub: 'finance-user' }), 200],
      ['other finance', await t.auth('finance', { sub: 'finance-other' }), 404],
      ['own OPD', await t.auth('opd', { opd: 'DPUPR' }), 200],
      ['other OPD', await t.auth('opd', { opd: 'PERKIM' }), 404],
      ['inspector', await t.auth('inspector'), 200],
      ['admin', await t.auth('admin'), 200],
    ];
    for (const [who, headers, status] of cases) {
      const res = await receipt(approved.id, headers);
      expect(res.statusCode, who).toBe(status);
      if (status === 404) expect(res.json().code).toBe('NOT_FOUND');
    }
    expect((await receipt(randomUUID(), await t.auth('admin'))).statusCode).toBe(404);
    expect((await receipt('not-a-uuid', await t.auth('admin'))).statusCode).toBe(422);
    const anon = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${approved.id}/receipt` });
    expect(anon.statusCode).toBe(401);
  });

  it('fails verification when forged: edited payload, another key under the same kid, or a checkpoint passed off as a receipt', async () => {
    const keys = createLocalJWKSet(await jwks());
    const { jws } = (await receipt(approved.id, await t.auth('admin'))).json() as { jws: string };
    const [header, body, signature] = jws.split('.') as [string, string, string];

    const edited = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ReceiptPayload;
    edited.decision = 'APPROVED';
    edited.amount = 999_000_000;
    edited.voided = null;
    const tampered = `${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`;
    await expect(compactVerify(tampered, keys, { algorithms: ['ES256'] })).rejects.toThrow(/signature verification failed/);

    const impostor = await importJWK(await es256Jwk('test-audit-1'), 'ES256');
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(edited))).setProtectedHeader({ alg: 'ES256', kid: 'test-audit-1', typ: 'gerbang-receipt+jws' }).sign(impostor);
    await expect(compactVerify(forged, keys, { algorithms: ['ES256'] })).rejects.toThrow();

    const noneAlg = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'test-audit-1' })).toString('base64url')}.${body}.`;
    await expect(compactVerify(noneAlg, keys, { algorithms: ['ES256'] })).rejects.toThrow();

    const cp = (await t.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: await t.auth('inspector') })).json() as { jws: string };
    await expect(verifyJson(cp.jws, await jwks(), 'gerbang-receipt+jws')).rejects.toThrow(/expected a gerbang-receipt\+jws/);
  });
});
