// Factories that create data through the HTTP API as admin, so tests exercise the real paths.
// Each returns the created resource's JSON; pass overrides to set any field.
import { randomInt } from 'node:crypto';
import { luhnCheckDigit } from '../../src/policy/identifiers.ts';
import type { TestApp } from './app.ts';

export type Json = Record<string, unknown>;
type Resource = Json & { id: string };

const digits = (n: number): string => Array.from({ length: n }, () => randomInt(10)).join('');

/** A fresh, valid 13-digit NIB. */
export const uniqueNib = (): string => `9${digits(12)}`;

/** A valid 15-digit NPWP (the 9th digit is the Luhn check over the first 8). */
export function validNpwp(): string {
  const head = `0${digits(7)}`;
  return `${head}${luhnCheckDigit(head)}${digits(6)}`;
}

let sequence = 0;
/** A project code unique within this test run. */
export const uniqueCode = (prefix = 'PRJ'): string => `${prefix}-${process.pid}-${++sequence}-${digits(4)}`;

async function post(t: TestApp, url: string, payload: Json): Promise<Resource> {
  const res = await t.app.inject({ method: 'POST', url, headers: await t.auth('admin'), payload });
  if (res.statusCode !== 201) throw new Error(`POST ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

export const contractorPayload = (overrides: Json = {}): Json => ({
  name: 'CV Sriwijaya Konstruksi',
  nib: uniqueNib(),
  npwp: validNpwp(),
  bpjsEmployerNumber: digits(8),
  ...overrides,
});

export const createContractor = (t: TestApp, overrides: Json = {}): Promise<Resource> =>
  post(t, '/v1/contractors', contractorPayload(overrides));

/** A valid project body; `contractorId` must be given (createProject makes one when it is not). */
export const projectPayload = (overrides: Json = {}): Json => ({
  code: uniqueCode(),
  name: 'Rehabilitasi Jalan Sudirman',
  opdCode: 'DPUPR',
  fundingSource: 'APBD',
  fiscalYear: 2025,
  contractNumber: '602.1/SPK/017/DPUPR/2025',
  contractValue: 1_110_000_000,
  startDate: '2025-03-01',
  endDate: '2025-10-31',
  ...overrides,
});

export async function createProject(t: TestApp, overrides: Json = {}): Promise<Resource> {
  const contractorId = overrides.contractorId ?? (await createContractor(t)).id;
  return post(t, '/v1/projects', projectPayload({ contractorId, ...overrides }));
}
