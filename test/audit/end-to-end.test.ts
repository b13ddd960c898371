import { sql } from 'drizzle-orm';
import { createLocalJWKSet, compactVerify, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { findPersonalData, pseudonymizer } from '../../src/audit/pseudonym.ts';
import { rows } from '../../src/db/client.ts';
import { buildTestApp } from '../helpers/app.ts';
import { appendEvents, exportNdjson, runCli, verifyEndpoint, writeTemp } from './support.ts';

// A day in the life of a project through the real endpoints, then the whole audit log is checked:
// it verifies, it names every change, and it holds no NIK or name of any worker.
const NOW = new Date('2025-09-15T03:00:00Z'); // 10:00 WIB
const workers = [
  { nik: '1671014101900001', name: 'Siti Aminah', kpj: '20000000001', role: 'TUKANG', startDate: '2025-07-01' },
  { nik: '1671010202850002', name: 'Budi Santoso', kpj: '20000000002', role: 'MANDOR', startDate: '2025-07-01' },
  { nik: '3171015503920003', name: 'Rina Marlina', kpj: '20000000003', role: 'TUKANG', startDate: '2025-07-01' },
];
const membership = (w: (typeof workers)[number], registration: string) => ({
  nik: w.nik, kpj: w.kpj, name: w.name, status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2025-06-01', coverageEnd: '2026-06-30',
  segment: 'JAKON', projectNumber: registration, asOf: '2025-09-15T00:00:00Z',
});

describe('audit log across the real endpoints', async () => {
  const t = await buildTestApp({ clock: () => new Date(NOW) });
  const admin = await t.auth('admin');
  const finance = await t.auth('finance', { sub: 'bpkad-finance' });
  const step = async (what: string, res: { statusCode: number; body: string }) => {
    expect(res.statusCode, `${what}: ${res.body.slice(0, 500)}`).toBeLessThan(300);
    return JSON.parse(res.body || 'null') as Record<string, unknown>;
  };
  let decision: Record<string, unknown> = {};

  it('runs contractor, project, roster, memberships, decision and void', async () => {
    const contractor = await step('contractor', await t.app.inject({ method: 'POST', url: '/v1/contractors', headers: admin, payload: { name: 'PT Sriwijaya Karya', nib: '9120001234567', npwp: '01.312.166.0-091.000', bpjsEmployerNumber: '12345678' } }));
    const registration = '900100200300';
    const project = await step('project', await t.app.inject({
      method: 'POST', url: '/v1/projects', headers: admin,
      payload: { code: 'DPUPR-2025-E2E', name: 'Rehabilitasi Jalan Demang', opdCode: 'DPUPR', contractorId: contractor.id, fundingSource: 'APBD', fiscalYear: 2025, contractNumber: 'SPK/001/2025', contractValue: 1_110_000_000, startDate: '2025-07-01', endDate: '2026-06-30', bpjsRegistrationNumber: registration, bpjsPremiumPaid: 1_750_000 },
    }));
    await step('roster', await t.app.inject({ method: 'PUT', url: `/v1/projects/${project.id}/workers`, headers: admin, payload: { workers: workers.slice(0, 2) } }));
    const added = await step('add worker', await t.app.inject({ method: 'POST', url: `/v1/projects/${project.id}/workers`, headers: admin, payload: workers[2] }));
    await step('memberships', await t.app.inject({ method: 'POST', url: '/v1/memberships/import', headers: admin, payload: { records: workers.map((w) => membership(w, registration)) } }));
    await step('registration', await t.app.inject({ method: 'POST', url: '/v1/registrations/import', headers: admin, payload: { records: [{ projectNumber: registration, status: 'PESERTA', premiumPaid: 1_750_000, asOf: '2025-09-15T00:00:00Z' }] } }));
    await step('end worker', await t.app.inject({ method: 'DELETE', url: `/v1/projects/${project.id}/workers/${added.assignmentId}`, headers: admin }));
    await step('patch project', await t.app.inject({ method: 'PATCH', url: `/v1/projects/${project.id}`, headers: admin, payload: { name: 'Rehabilitasi Jalan Demang Lebar' } }));
    decision = await step('decision', await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...finance, 'idempotency-key': 'e2e-1' }, payload: { projectId: project.id, stage: 'TERMIN_1', amount: 150_000_000, requestRef: 'SPM-E2E-1' } }));
    expect(decision.decision).toBe('APPROVED');
    await step('void', await t.app.inject({ method: 'POST', url: `/v1/disbursements/${decision.id}/void`, headers: finance, payload: { reason: 'SP2D ditolak' } }));
  });

  it('recorded every change as one event, and the chain verifies (endpoint and CLI)', async () => {
    const actions = (await rows<{ action: string }>(t.database.db, sql`select action from audit_events order by seq`)).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['contractor.created', 'project.created', 'roster.replaced', 'roster.worker_added', 'membership.imported', 'registration.imported', 'roster.worker_ended', 'project.updated', 'disbursement.decided', 'disbursement.voided']));
    expect((await verifyEndpoint(t)).ok).toBe(true);
    expect((await runCli([writeTemp(await exportNdjson(t))])).code).toBe(0);
  });

  it('holds no raw NIK and no worker name anywhere in any event', async () => {
    const all = await rows<Record<string, unknown>>(t.database.db, sql`select * from audit_events order by seq`);
    expect(all.length).toBeGreaterThanOrEqual(10);
    const findings = all.flatMap((event) => findPersonalData(event, workers.map((w) => w.name)).map((f) => ({ seq: event.seq, action: event.action, ...f })));
    expect(findings).toEqual([]);
    // The workers are there, as keyed pseudonyms an inspector can resolve through the roster.
    const text = JSON.stringify(all);
    expect(text).toContain(pseudonymizer(t.testKeys.keys.pseudonymKey)(workers[2]?.nik as string));
  });

  it('issues a receipt that agrees with the decision and its audit event', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${decision.id}/receipt`, headers: finance });
    expect(res.statusCode).toBe(200);
    const jwks = (await t.app.inject({ method: 'GET', url: '/v1/audit/jwks.json' })).json() as JSONWebKeySet;
    const { payload } = await compactVerify((res.json() as { jws: string }).jws, createLocalJWKSet(jwks), { algorithms: ['ES256'] });
    const receipt = JSON.parse(new TextDecoder().decode(payload));
    expect(receipt).toMatchObject({
      id: decision.id, stage: 'TERMIN_1', amount: 150_000_000, requestRef: 'SPM-E2E-1', decision: 'APPROVED',
      decidedAt: decision.decidedAt, auditSeq: decision.auditSeq, policy: decision.policy, voided: { at: NOW.toISOString() },
    });
    const [event] = await rows<{ entity_id: string; action: string }>(t.database.db, sql`select entity_id, action from audit_events where seq = ${receipt.auditSeq}`);
    expect(event).toEqual({ entity_id: decision.id, action: 'disbursement.decided' });
  });
  it('proves the receipt offline: its event is in a signed tree that a later checkpoint extends (audit:verify --receipt)', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${decision.id}/receipt`, headers: finance });
    const body = res.json() as { jws: string; note: string; event: { seq: number; entityId: string } };
    expect(body.event).toMatchObject({ seq: decision.auditSeq, entityId: decision.id });
    expect(body.note).toMatch(/^gerbang\.local\/audit\n\d+\n/);
    const file = writeTemp(JSON.stringify(body), 'json');
    const jwks = writeTemp((await t.app.inject({ method: 'GET', url: '/v1/audit/jwks.json' })).body, 'json');
    const size = Number(body.note.split('\n')[1]);
    const inspector = await t.auth('inspector');
    const cli = async (...args: string[]) => {
      const r = await runCli(['--receipt', ...args, '--json']);
      return { code: r.code, checks: (JSON.parse(r.stdout || '{"checks":[]}') as { checks: Array<{ name: string; ok: boolean | null }> }).checks };
    };

    // The checkpoint of the receipt's own size: no proof needed.
    const same = (await t.app.inject({ method: 'GET', url: `/v1/audit/checkpoint?treeSize=${size}`, headers: inspector })).json() as { note: string };
    const ok = await cli(file, '--checkpoint', writeTemp(same.note, 'txt'), '--jwks', jwks);
    expect(ok.checks.filter((c) => c.ok !== true)).toEqual([]);
    expect(ok.code).toBe(0);

    // A later checkpoint, with the consistency proof from the receipt's size.
    await appendEvents(t, 4);
    const later = (await t.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: inspector })).json() as { treeSize: number; note: string };
    const proof = (await t.app.inject({ method: 'GET', url: `/v1/audit/proof/consistency?from=${size}&to=${later.treeSize}`, headers: inspector })).body;
    const laterFile = writeTemp(later.note, 'txt');
    expect((await cli(file, '--checkpoint', laterFile, '--jwks', jwks, '--proof', writeTemp(proof, 'json'))).code).toBe(0);
    expect((await cli(file, '--checkpoint', laterFile, '--jwks', jwks)).code).toBe(2); // the proof is needed

    // An edited receipt: another amount in the event, or a signature that is not the log's.
    const edited = { ...body, event: { ...body.event, data: { ...(body.event as unknown as { data: object }).data, amount: 1 } } };
    const bad = await cli(writeTemp(JSON.stringify(edited), 'json'), '--checkpoint', writeTemp(same.note, 'txt'), '--jwks', jwks);
    expect(bad.code).toBe(1);
    expect(bad.checks.find((c) => c.name === 'decision event')?.ok).toBe(false);
    const otherKeys = writeTemp(JSON.stringify({ keys: [] }), 'json');
    const unsigned = await cli(file, '--checkpoint', writeTemp(same.note, 'txt'), '--jwks', otherKeys);
    expect(unsigned.code).toBe(1);
    expect(unsigned.checks.filter((c) => c.ok === false).map((c) => c.name)).toEqual(['receipt signature', 'receipt note signature', 'checkpoint signature']);
  }, 180_000); // six CLI processes: slow to start on a machine shared by eight test suites
});
