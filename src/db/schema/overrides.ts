import { type AnyPgColumn, check, foreignKey, index, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { disbursements } from './disbursements.ts';

/**
 * A request to release a BLOCKED decision (2.6, maker-checker). Append-only: its state is derived
 * from the decision row that may follow (or from expires_at), never written back.
 *
 * One pending request per decision, kept by the database without updating anything: the requests
 * of a decision form a chain. The first has `follows` null (a unique partial index allows one per
 * decision), every later one names the request before it (unique, and of the same decision), which
 * the service accepts only once that one was rejected or expired. Two concurrent requests would
 * follow the same predecessor, and the second one's insert fails.
 */
export const overrideRequests = pgTable(
  'override_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    disbursementId: uuid('disbursement_id').notNull().references(() => disbursements.id),
    reason: text('reason').notNull(),
    evidenceRef: text('evidence_ref'),
    requestedBy: text('requested_by').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** The decision's previous request (rejected or expired when this one was made); null for the first. */
    follows: uuid('follows').references((): AnyPgColumn => overrideRequests.id).unique('override_requests_follows_key'),
  },
  (t) => [
    index('override_requests_disbursement_idx').on(t.disbursementId),
    uniqueIndex('override_requests_first_per_decision').on(t.disbursementId).where(sql`${t.follows} is null`),
    unique('override_requests_id_disbursement_key').on(t.id, t.disbursementId),
    foreignKey({ columns: [t.follows, t.disbursementId], foreignColumns: [t.id, t.disbursementId], name: 'override_requests_follows_same_decision' }),
    // What the decision row's composite foreign key points at, so it copies requested_by faithfully.
    unique('override_requests_id_requested_by_key').on(t.id, t.requestedBy),
  ],
);

/**
 * The treasury's answer to a request: at most one per request (primary key). The database itself
 * refuses an answer by the requester: requested_by is copied under a composite foreign key and
 * must differ from decided_by.
 */
export const overrideDecisions = pgTable(
  'override_decisions',
  {
    requestId: uuid('request_id').primaryKey(),
    requestedBy: text('requested_by').notNull(),
    state: text('state').notNull(),
    decidedBy: text('decided_by').notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull(),
    note: text('note').notNull(),
    /** The APPROVED decision the approval created. */
    disbursementId: uuid('disbursement_id').references(() => disbursements.id),
  },
  (t) => [
    foreignKey({ columns: [t.requestId, t.requestedBy], foreignColumns: [overrideRequests.id, overrideRequests.requestedBy], name: 'override_decisions_request_fk' }),
    check('override_decisions_other_person', sql`${t.decidedBy} <> ${t.requestedBy}`),
    check('override_decisions_state', sql`${t.state} in ('APPROVED', 'REJECTED')`),
    check('override_decisions_approval_has_decision', sql`(${t.state} = 'APPROVED') = (${t.disbursementId} is not null)`),
  ],
);
