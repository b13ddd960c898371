import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Each change of a NIK's membership record (the record as it became), oldest first. */
export const membershipHistory = pgTable(
  'membership_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    nik: text('nik').notNull(),
    record: jsonb('record').notNull(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('membership_history_nik_idx').on(t.nik, t.asOf)],
);
