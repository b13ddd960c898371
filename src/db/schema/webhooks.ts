import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A registered endpoint (2.6). Deleting or a 410 answer sets a timestamp; the row stays for its history. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  /** null: every OPD (admin only). */
  opdCode: text('opd_code'),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  deletedAt: timestamp('deleted_at', { withTimezone: true }),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  disabledReason: text('disabled_reason'),
});

/**
 * The outbox: one row per notification, written in the transaction of the change it reports (only
 * when some endpoint subscribes). Append-only. Its id is the Standard Webhooks `webhook-id`.
 */
export const webhookEvents = pgTable('webhook_events', {
  id: uuid('id').primaryKey(),
  type: text('type').notNull(),
  opdCode: text('opd_code'),
  data: jsonb('data').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

/** Every delivery attempt, append-only: what `GET /v1/webhooks/{id}/deliveries` shows. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    webhookId: uuid('webhook_id').notNull().references(() => webhooks.id),
    eventId: uuid('event_id').notNull().references(() => webhookEvents.id),
    attempt: integer('attempt').notNull(),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    /** DELIVERED | FAILED | DISABLED (410) | REFUSED_ADDRESS | SKIPPED (endpoint deleted or disabled) */
    outcome: text('outcome').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('webhook_deliveries_webhook_idx').on(t.webhookId, t.attemptedAt)],
);
