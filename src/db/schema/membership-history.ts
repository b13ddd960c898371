import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { coverageKeyOf } from './memberships.ts';

/**
 * Each change of a NIK's coverage records (the record as it became), oldest first. A record with
 * `ended: true` says the coverage stopped being current (left out of BPJS's complete answer).
 */
export const membershipHistory = pgTable(
  'membership_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    nik: text('nik').notNull(),
    coverage: text('coverage').notNull().generatedAlwaysAs(coverageKeyOf(
      "(record->>'found')::boolean", "record->>'segment'", "record->>'projectNumber'", "record->>'employerNpp'")),
    record: jsonb('record').notNull(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // One index, by NIK: every read asks by NIK and sorts the few rows it finds. Each index costs every
  // imported record; NIK alone is the narrowest key (and deduplicated: a NIK's versions share one entry).
  (t) => [index('membership_history_nik_idx').on(t.nik)],
);
