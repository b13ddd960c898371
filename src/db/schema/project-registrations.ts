import { bigint, boolean, date, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** BPJS's own view of a project registration (Jakon), as last fetched from the upstream. */
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
});
