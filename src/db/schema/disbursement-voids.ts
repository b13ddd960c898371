import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { disbursements } from './disbursements.ts';

/** The void of an approved decision: its own record, so the decision row is never changed. */
export const disbursementVoids = pgTable('disbursement_voids', {
  disbursementId: uuid('disbursement_id').primaryKey().references(() => disbursements.id),
  at: timestamp('at', { withTimezone: true }).notNull(),
  by: text('by').notNull(),
  reason: text('reason').notNull(),
});
