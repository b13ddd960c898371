import { bigserial, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { coverageKeyOf } from './memberships.ts';

/**
 * Each change of a NIK's coverage records (the record as it became), oldest first. A record with
 * `ended: true` says the coverage stopped being current (left out of BPJS's complete answer).
 */
export const membershipHistory = pgTable(
  'membership_history',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    nik: text('nik').notNull(),
    record: jsonb('record').notNull(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // One index, the key (nik, id): every read asks by NIK, in the order written. Each index costs
  // every imported record; a second one (id alone, beside one by NIK) cost about a third of the
  // history's insert (migration 0035).
  (t) => [primaryKey({ name: 'membership_history_pkey', columns: [t.nik, t.id] })],
);

/**
 * The coverage a history row of alias `h` is of, read from its record by the same expression as
 * memberships' generated column. Worked out when read (a roster's few rows), not stored with every
 * imported record (migration 0035).
 */
export const historyCoverage = (h: string) => coverageKeyOf(
  `(${h}.record->>'found')::boolean`, `${h}.record->>'segment'`, `${h}.record->>'projectNumber'`, `${h}.record->>'employerNpp'`);
