import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The checked workers of a decision (the policy input's `workers`: roster rows with the membership
 * as used), content-addressed by the SHA-256 of their RFC 8785 canonical JSON, so identical
 * evidence of many decisions (1,000 workers each) is stored once. Append-only (trigger).
 */
export const decisionEvidence = pgTable('decision_evidence', {
  sha256: text('sha256').primaryKey(),
  body: jsonb('body').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
