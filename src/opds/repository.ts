import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { opds } from '../db/schema/index.ts';
import type { CreateOpd } from './schemas.ts';

export const listOpds = (db: Executor) => db.select({ code: opds.code, name: opds.name }).from(opds).orderBy(asc(opds.code));

export async function findOpd(db: Executor, code: string) {
  const [row] = await db.select({ code: opds.code, name: opds.name }).from(opds).where(eq(opds.code, code));
  return row ?? null;
}

export async function insertOpd(db: Executor, input: CreateOpd) {
  const [row] = await db.insert(opds).values(input).onConflictDoNothing().returning({ code: opds.code, name: opds.name });
  return row ?? null;
}
