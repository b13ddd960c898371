// Direct inserts of the rows roster and membership tests stand on. Projects are created here with
// drizzle rather than through POST /v1/projects so these tests do not depend on that feature.
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { buildApp, type App } from '../../src/app.ts';
import { mintToken } from '../../src/auth-tokens.ts';
import { loadConfig } from '../../src/config.ts';
import { openPglite, type Database } from '../../src/db/client.ts';
import { migratePgliteDb } from '../../src/db/migrate.ts';
import { contractors, projects } from '../../src/db/schema/index.ts';
import type { Role } from '../../src/http/auth.ts';
import { busyMachineLimits } from './app.ts';
import { makeTestKeys } from './keys.ts';

export async function insertContractor(database: Database): Promise<string> {
  const [row] = await database.db
    .insert(contractors)
    .values({ name: 'PT Fixture Konstruksi', nib: String(randomInt(1e12, 1e13)), npwp: '013121660091000' })
    .returning({ id: contractors.id });
  if (!row) throw new Error('contractor not inserted');
  return row.id;
}

export async function insertProject(database: Database, options: { opdCode?: string; startDate?: string; endDate?: string } = {}): Promise<string> {
  const contractorId = await insertContractor(database);
  const code = `PRJ-${randomUUID().slice(0, 8)}`;
  const [row] = await database.db
    .insert(projects)
    .values({
      code,
      name: `Fixture project ${code}`,
      opdCode: options.opdCode ?? 'DPUPR',
      contractorId,
      fundingSource: 'APBD',
      fiscalYear: 2025,
      contractNumber: `KONTRAK/${code}`,
      contractValue: 1_000_000_000,
      startDate: options.startDate ?? '2025-01-01',
      endDate: options.endDate ?? '2025-12-31',
    })
    .returning({ id: projects.id });
  if (!row) throw new Error('project not inserted');
  return row.id;
}

/**
 * The n-th of many distinct valid NIKs (n >= 0, up to about 27 million): Kota Palembang (16 71),
 * districts 01-99, born on day 1-28 of May 1990 (women +40 when `female`), serial 0001-9999.
 */
export function nik(n: number, female = false): string {
  const serial = (n % 9999) + 1;
  const day = 1 + (Math.floor(n / 9999) % 28) + (female ? 40 : 0);
  const district = 1 + (Math.floor(n / (9999 * 28)) % 99);
  return `1671${pad(district, 2)}${pad(day, 2)}0590${pad(serial, 4)}`;
}

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** A valid KPJ: 11 digits. */
export const kpj = (n: number): string => `2${pad(n, 10)}`;

/** Rows of a raw SQL query, whichever driver ran it. */
export async function query<T = Record<string, unknown>>(database: Database, text: string): Promise<T[]> {
  const result = (await database.db.execute(text as never)) as unknown as { rows: T[] };
  return result.rows;
}

/** The real app on a fresh embedded PGlite (the default without DATABASE_URL), for SQL portability checks. */
export async function buildPgliteApp(): Promise<{ app: App; database: Database; auth(role: Role): Promise<{ authorization: string }>; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gerbang-pglite-'));
  const database = await openPglite(dir);
  await migratePgliteDb(database.client);
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const keys = await makeTestKeys();
  const app = await buildApp({ config, database, keys: keys.keys, logger: pino({ level: 'silent' }), limits: busyMachineLimits });
  await app.ready();
  const auth = async (role: Role) => ({
    authorization: `Bearer ${await mintToken(keys.idpJwk, { sub: `${role}-user`, roles: [role], ...(role === 'opd' ? { opd: 'DPUPR' } : {}) }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM,
    })}`,
  });
  const close = async () => {
    await app.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { app, database, auth, close };
}
