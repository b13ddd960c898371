import { boolean, date, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * BPJS's current answer for one NIK. `found = false` records that BPJS (live upstream) said it
 * knows no such person; freshness is measured from `as_of`, the time of BPJS's data.
 */
export const memberships = pgTable('memberships', {
  nik: text('nik').primaryKey(),
  found: boolean('found').notNull().default(true),
  kpj: text('kpj'),
  name: text('name'),
  status: text('status'),
  programs: text('programs').array(),
  coverageStart: date('coverage_start'),
  coverageEnd: date('coverage_end'),
  segment: text('segment'),
  projectNumber: text('project_number'),
  employerNpp: text('employer_npp'),
  asOf: timestamp('as_of', { withTimezone: true }).notNull(),
  source: text('source').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
