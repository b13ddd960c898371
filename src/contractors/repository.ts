import { and, asc, eq, ilike, like, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { contractors } from '../db/schema/index.ts';
import type { CreatedAtIdCursor } from '../http/pagination.ts';
import type { CreateContractor } from './schemas.ts';

const columns = {
  id: contractors.id,
  name: contractors.name,
  nib: contractors.nib,
  npwp: contractors.npwp,
  bpjsEmployerNumber: contractors.bpjsEmployerNumber,
  createdAt: contractors.createdAt,
};
export type ContractorRow = { id: string; name: string; nib: string; npwp: string; bpjsEmployerNumber: string | null; createdAt: Date };

/** `%`, `_` and `\` typed by a user are literal characters, not LIKE wildcards. */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Inserts unless the NIB exists; null then. The unique index decides, so two racing requests cannot both win. */
export async function insertContractor(db: Executor, input: CreateContractor): Promise<ContractorRow | null> {
  const [row] = await db
    .insert(contractors)
    .values({ name: input.name, nib: input.nib, npwp: input.npwp, bpjsEmployerNumber: input.bpjsEmployerNumber ?? null })
    .onConflictDoNothing({ target: contractors.nib })
    .returning(columns);
  return row ?? null;
}

export async function findContractor(db: Executor, id: string): Promise<ContractorRow | null> {
  const [row] = await db.select(columns).from(contractors).where(eq(contractors.id, id));
  return row ?? null;
}

export interface ContractorFilter {
  q?: string | undefined;
  limit: number;
  after?: CreatedAtIdCursor | undefined;
}

/** One page in (created_at, id) order; fetches limit + 1 rows so the caller knows whether more follow. */
export function listContractors(db: Executor, filter: ContractorFilter) {
  const where: SQL[] = [];
  if (filter.q !== undefined) {
    const q = escapeLike(filter.q);
    where.push(or(ilike(contractors.name, `%${q}%`), like(contractors.nib, `${q}%`)) as SQL);
  }
  if (filter.after) {
    where.push(sql`(${contractors.createdAt}, ${contractors.id}) > (${filter.after[0]}::timestamptz, ${filter.after[1]}::uuid)`);
  }
  return db
    .select({ ...columns, cursorAt: sql<string>`to_char(${contractors.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
    .from(contractors)
    .where(and(...where))
    .orderBy(asc(contractors.createdAt), asc(contractors.id))
    .limit(filter.limit + 1);
}
