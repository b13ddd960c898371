import { sql } from 'drizzle-orm';
import { bigint, check, pgTable, smallint, text } from 'drizzle-orm/pg-core';

/**
 * One row: the chain's head. Appenders lock it with SELECT ... FOR UPDATE, which both serialises
 * them and returns the latest committed head in one round trip. `audit_events` stays the truth.
 */
export const auditHead = pgTable(
  'audit_head',
  {
    id: smallint('id').primaryKey().default(1),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('audit_head_single_row_chk', sql`${t.id} = 1`)],
);
