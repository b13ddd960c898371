import { bigint, bigserial, boolean, date, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * BPJS's view of a project registration (Jakon): fetched from the upstream, or imported from a
 * snapshot file (contract 2.3). `verified_at` is the time of BPJS's data (the import's `asOf`);
 * freshness is measured from it.
 */
export const projectRegistrations = pgTable('project_registrations', {
  registrationNumber: text('registration_number').primaryKey(),
  found: boolean('found').notNull(),
  status: text('status'),
  contractValue: bigint('contract_value', { mode: 'number' }),
  premiumRequired: bigint('premium_required', { mode: 'number' }),
  premiumPaid: bigint('premium_paid', { mode: 'number' }),
  workersRegistered: integer('workers_registered'),
  coverageStart: date('coverage_start'),
  coverageEnd: date('coverage_end'),
  verifiedAt: timestamp('verified_at', { withTimezone: true }).notNull(),
  /** `upstream` (the live service) or `import` (a snapshot file). */
  source: text('source').notNull().default('upstream'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Each change of a registration's record (the record as it became), oldest first; append-only. */
export const projectRegistrationHistory = pgTable(
  'project_registration_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    registrationNumber: text('registration_number').notNull(),
    record: jsonb('record').notNull(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    source: text('source').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('project_registration_history_number_idx').on(t.registrationNumber, t.asOf)],
);
