// Rows the gate's tests stand on, inserted directly with drizzle so these tests do not depend on
// the projects, roster and membership features. Defaults describe a compliant project on the
// fixed test day, 15 September 2025 (Asia/Jakarta).
import { randomInt, randomUUID } from 'node:crypto';
import { assignments, contractors, memberships, projectRegistrations, projects } from '../../src/db/schema/index.ts';
import type { Database } from '../../src/db/client.ts';
import type { MembershipProvider } from '../../src/memberships/provider.ts';

export const NOW = new Date('2025-09-15T03:00:00Z'); // 10:00 WIB
export const TODAY = '2025-09-15';
export const clock = (): Date => new Date(NOW);
export const NPP = '12345678';

export interface ProjectFixture {
  id: string;
  code: string;
  registration: string;
  contractorId: string;
}

let serial = 0;
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** A valid NIK (Kota Palembang, born 1 Jan 1990), distinct per call (each test file has its own database). */
export function newNik(): string {
  const n = ++serial;
  return `1671${pad(1 + (Math.floor(n / 9999) % 99), 2)}010190${pad((n % 9999) + 1, 4)}`;
}

export async function insertProject(
  database: Database,
  o: {
    opdCode?: string; startDate?: string; registration?: string | null; premiumPaid?: number; contractValue?: number; npp?: string | null;
    /** BPJS's record of the registration as imported (2.3): fresh PESERTA paid in full unless told otherwise; null: none. */
    registrationRecord?: { status?: 'MENDAFTAR' | 'PESERTA'; premiumPaid?: number; premiumRequired?: number | null; asOf?: Date } | null;
  } = {},
): Promise<ProjectFixture> {
  const [contractor] = await database.db
    .insert(contractors)
    .values({ name: 'PT Gerbang Fixture', nib: String(randomInt(1e12, 1e13)), npwp: '013121660091000', bpjsEmployerNumber: o.npp === undefined ? NPP : o.npp })
    .returning({ id: contractors.id });
  const code = `DPUPR-2025-${randomUUID().slice(0, 8)}`;
  const registration = o.registration === undefined ? String(randomInt(1e11, 1e12)) : o.registration;
  const [project] = await database.db
    .insert(projects)
    .values({
      code,
      name: `Paket ${code}`,
      opdCode: o.opdCode ?? 'DPUPR',
      contractorId: contractor!.id,
      fundingSource: 'APBD',
      fiscalYear: 2025,
      contractNumber: `SPK/${code}`,
      // 1,110,000,000 including 11% VAT: required premium 1,750,000 (half: 875,000).
      contractValue: o.contractValue ?? 1_110_000_000,
      startDate: o.startDate ?? '2025-07-01',
      endDate: '2026-06-30',
      bpjsRegistrationNumber: registration,
      bpjsPremiumPaid: o.premiumPaid ?? 1_750_000,
    })
    .returning({ id: projects.id });
  const record = o.registrationRecord === undefined ? {} : o.registrationRecord;
  if (registration !== null && record !== null) {
    await database.db.insert(projectRegistrations).values({
      registrationNumber: registration,
      found: true,
      status: record.status ?? 'PESERTA',
      premiumPaid: record.premiumPaid ?? o.premiumPaid ?? 1_750_000,
      premiumRequired: record.premiumRequired ?? null,
      verifiedAt: record.asOf ?? new Date('2025-09-15T00:00:00Z'),
    }).onConflictDoNothing();
  }
  return { id: project!.id, code, registration: registration ?? '', contractorId: contractor!.id };
}

/** A project whose registration BPJS has not been asked about yet: a live upstream fetches it. */
export const insertUnaskedProject = (database: Database, o: Parameters<typeof insertProject>[1] = {}): Promise<ProjectFixture> =>
  insertProject(database, { registrationRecord: null, ...o });

export interface WorkerFixture {
  assignmentId: string;
  nik: string;
  name: string;
  kpj: string;
}

export async function insertWorker(
  database: Database,
  projectId: string,
  o: { nik?: string; name?: string; kpj?: string; startDate?: string; endDate?: string | null; removed?: boolean } = {},
): Promise<WorkerFixture> {
  const nik = o.nik ?? newNik();
  const name = o.name ?? `Pekerja ${nik.slice(-4)}`;
  const kpj = o.kpj ?? `2${nik.slice(-10)}`;
  const [row] = await database.db
    .insert(assignments)
    .values({
      projectId, nik, name, kpj, role: 'TUKANG',
      startDate: o.startDate ?? '2025-07-01',
      endDate: o.endDate ?? null,
      ...(o.removed ? { removedAt: NOW } : {}),
    })
    .returning({ id: assignments.id });
  return { assignmentId: row!.id, nik, name, kpj };
}

export type MembershipOverrides = Partial<{
  found: boolean;
  kpj: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  programs: string[];
  coverageStart: string;
  coverageEnd: string | null;
  segment: 'JAKON' | 'PU' | 'BPU';
  projectNumber: string | null;
  employerNpp: string | null;
  asOf: Date;
}>;

/** A fresh, fitting Jakon membership of the project unless told otherwise. */
export async function insertMembership(database: Database, worker: WorkerFixture, project: ProjectFixture, o: MembershipOverrides = {}): Promise<void> {
  await database.db.insert(memberships).values({
    nik: worker.nik,
    found: o.found ?? true,
    kpj: o.kpj === undefined ? worker.kpj : o.kpj,
    name: worker.name,
    status: o.found === false ? null : (o.status ?? 'ACTIVE'),
    programs: o.found === false ? null : (o.programs ?? ['JKK', 'JKM', 'JHT']),
    coverageStart: o.found === false ? null : (o.coverageStart ?? '2025-07-01'),
    coverageEnd: o.found === false ? null : o.coverageEnd === undefined ? '2026-06-30' : o.coverageEnd,
    segment: o.found === false ? null : (o.segment ?? 'JAKON'),
    projectNumber: o.found === false ? null : o.projectNumber === undefined ? project.registration : o.projectNumber,
    employerNpp: o.employerNpp ?? null,
    asOf: o.asOf ?? new Date('2025-09-15T00:00:00Z'),
    source: 'import',
  });
}

/** A worker on the project with a fresh fitting membership (or as overridden). */
export async function insertCoveredWorker(
  database: Database, project: ProjectFixture,
  worker: Parameters<typeof insertWorker>[2] = {}, membership: MembershipOverrides = {},
): Promise<WorkerFixture> {
  const w = await insertWorker(database, project.id, worker);
  await insertMembership(database, w, project, membership);
  return w;
}

/** A compliant project with n covered workers. */
export async function compliantProject(database: Database, n = 2, o: Parameters<typeof insertProject>[1] = {}) {
  const project = await insertProject(database, o);
  const workers: WorkerFixture[] = [];
  for (let i = 0; i < n; i++) workers.push(await insertCoveredWorker(database, project));
  return { project, workers };
}

/** Rows of a raw SQL query. */
export async function query<T = Record<string, unknown>>(database: Database, text: string): Promise<T[]> {
  const result = (await database.db.execute(text as never)) as unknown as { rows: T[] };
  return result.rows;
}

export async function count(database: Database, table: string, where = 'true'): Promise<number> {
  const [row] = await query<{ n: string }>(database, `select count(*)::text as n from ${table} where ${where}`);
  return Number(row?.n ?? 0);
}

/** Row counts of everything a decision writes, to assert that nothing was written. */
export async function writeCounts(database: Database) {
  const tables = ['disbursements', 'idempotency_keys', 'approved_stages', 'decision_evidence', 'disbursement_voids', 'audit_events'];
  return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(database, t)] as const)));
}

/** The body of a decision request for the project. */
export const decisionBody = (project: { id: string }, o: Record<string, unknown> = {}) => ({
  projectId: project.id,
  stage: 'TERMIN_1',
  amount: 250_000_000,
  requestRef: `SPM/${randomUUID().slice(0, 8)}/2025`,
  ...o,
});

/** A provider that answers nothing and names itself as the live upstream, with hooks for tests. */
export function fakeHttpProvider(o: Partial<Pick<MembershipProvider, 'refreshMemberships' | 'refreshRegistrations'>> = {}): MembershipProvider {
  return {
    name: 'http',
    refreshMemberships: o.refreshMemberships ?? (async (niks) => ({ refreshed: [], notFound: [], failed: [...niks] })),
    refreshRegistrations: o.refreshRegistrations ?? (async (numbers) => ({ refreshed: [], notFound: [], failed: [...numbers] })),
  };
}

/**
 * Part 1's rules, frozen as policy version 1: suites that assert them pin POLICY_VERSION=1 (a city
 * may still run it, and its decisions replay under it). Version 2 has its own suites (v2-*.test.ts).
 */
export const V1 = { POLICY_VERSION: '1' } as const;
