import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';

/** Whether the migrations have run: audit_head is created by them and seeded by the last one that touches it. */
export async function migrationsApplied(db: Executor): Promise<boolean> {
  const [head] = await rows<{ ok: number }>(db, sql`select 1 as ok from audit_head where id = 1`);
  return head !== undefined;
}
