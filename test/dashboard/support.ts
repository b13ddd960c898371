// What the dashboard's tests share: signing in through the real development sign-in, reading the
// CSRF token off a page, and a small scenario built through the API (a blocked and an approved
// project, memberships, decisions) on the fixed test day.
import type { TestApp } from '../helpers/app.ts';
import { createContractor, uniqueCode } from '../helpers/factories.ts';
import { kpj, nik } from '../helpers/fixtures.ts';

export const NOW = new Date('2025-09-15T03:00:00Z'); // 10:00 WIB
export const clock = (): Date => new Date(NOW);

/** The session cookie the development sign-in sets for this role (and OPD). */
export async function signIn(t: TestApp, role: 'opd' | 'inspector' | 'admin', opd = 'DPUPR'): Promise<string> {
  const query = role === 'opd' ? `role=opd&opd=${opd}` : `role=${role}`;
  const res = await t.app.inject({ method: 'GET', url: `/app/dev-login?${query}` });
  if (res.statusCode !== 302) throw new Error(`dev-login answered ${res.statusCode}: ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'gerbang_session');
  if (!cookie) throw new Error('no session cookie');
  return `gerbang_session=${cookie.value}`;
}

export function csrfOf(page: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!m?.[1]) throw new Error('no CSRF field on the page');
  return m[1];
}

export interface Scenario {
  blocked: { id: string; code: string; registration: string };
  approved: { id: string; code: string };
  workers: { ok: { nik: string; name: string }; inactive: { nik: string; name: string }; unknown: { nik: string; name: string }; noJkm: { nik: string; name: string } };
  blockedDecisionId: string;
  approvedDecisionId: string;
}

let serial = 5000;

async function api(t: TestApp, role: 'admin' | 'opd' | 'finance', method: 'POST' | 'PUT', url: string, payload: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.inject({ method, url, headers: { ...(await t.auth(role)), ...headers }, payload: payload as Record<string, unknown> });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

/** Two DPUPR projects: one blocked by three of its four workers, one whose single worker is covered. */
export async function seedScenario(t: TestApp): Promise<Scenario> {
  const contractor = await createContractor(t, { name: 'PT Musi Jaya Konstruksi', bpjsEmployerNumber: '12345678' });
  const project = async (name: string) => {
    const registration = String(100000000000 + ++serial);
    const body = await api(t, 'opd', 'POST', '/v1/projects', {
      code: uniqueCode('DPUPR'), name, opdCode: 'DPUPR', contractorId: contractor.id, fundingSource: 'APBD', fiscalYear: 2025,
      contractNumber: `SPK/${serial}`, contractValue: 1_110_000_000, startDate: '2025-07-01', endDate: '2026-06-30',
      bpjsRegistrationNumber: registration, bpjsPremiumPaid: 1_750_000,
    });
    return { id: body.id as string, code: body.code as string, registration };
  };
  const blocked = await project('Rehabilitasi Jalan Demang Lebar Daun');
  const approved = await project('Pembangunan Drainase Sekip Ujung');
  const person = (name: string) => ({ nik: nik(++serial), name, kpj: kpj(serial) });
  const ok = person('Ahmad Fauzi');
  const inactive = person('Budi Santoso');
  const unknown = person('Citra Lestari');
  const noJkm = person('Dedi Kurniawan');
  const other = person('Eka Saputra');
  const worker = (p: { nik: string; name: string; kpj: string }) => ({ nik: p.nik, name: p.name, kpj: p.kpj, role: 'TUKANG', startDate: '2025-07-01' });
  await api(t, 'opd', 'PUT', `/v1/projects/${blocked.id}/workers`, { workers: [ok, inactive, unknown, noJkm].map(worker) });
  await api(t, 'opd', 'PUT', `/v1/projects/${approved.id}/workers`, { workers: [worker(other)] });
  const membership = (p: { nik: string; name: string; kpj: string }, projectNumber: string, o: { status?: string; programs?: string[] } = {}) => ({
    nik: p.nik, kpj: p.kpj, name: p.name, status: o.status ?? 'ACTIVE', programs: o.programs ?? ['JKK', 'JKM'], coverageStart: '2025-06-01',
    coverageEnd: '2026-12-31', segment: 'JAKON', projectNumber, asOf: new Date(NOW.getTime() - 3_600_000).toISOString(),
  });
  await api(t, 'admin', 'POST', '/v1/memberships/import', {
    records: [
      membership(ok, blocked.registration),
      membership(inactive, blocked.registration, { status: 'INACTIVE' }),
      membership(noJkm, blocked.registration, { programs: ['JKK'] }),
      membership(other, approved.registration),
    ],
  });
  // BPJS's records of both registrations (2.3), as the admin imports them in snapshot mode.
  await api(t, 'admin', 'POST', '/v1/registrations/import', {
    records: [blocked, approved].map((p) => ({ projectNumber: p.registration, status: 'PESERTA', premiumPaid: 1_750_000, asOf: new Date(NOW.getTime() - 3_600_000).toISOString() })),
  });
  const decide = (projectId: string, stage: string, amount: number, key: string) =>
    api(t, 'finance', 'POST', '/v1/disbursements', { projectId, stage, amount, requestRef: `SPM/${key}` }, { 'idempotency-key': key });
  const blockedDecision = await decide(blocked.id, 'TERMIN_1', 250_000_000, `k-${serial}-1`);
  const approvedDecision = await decide(approved.id, 'UANG_MUKA', 150_000_000, `k-${serial}-2`);
  if (blockedDecision.decision !== 'BLOCKED' || approvedDecision.decision !== 'APPROVED') {
    throw new Error(`scenario decisions came out ${blockedDecision.decision}/${approvedDecision.decision}: ${JSON.stringify([blockedDecision.reasons, approvedDecision.reasons])}`);
  }
  return { blocked, approved, workers: { ok, inactive, unknown, noJkm }, blockedDecisionId: blockedDecision.id, approvedDecisionId: approvedDecision.id };
}
