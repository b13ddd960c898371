import { pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { disbursements } from './disbursements.ts';

/** Idempotency keys are scoped per token `sub`; written in the decision's own transaction. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    sub: text('sub').notNull(),
    key: text('key').notNull(),
    requestSha256: text('request_sha256').notNull(),
    disbursementId: uuid('disbursement_id').notNull().references(() => disbursements.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.sub, t.key] })],
);
