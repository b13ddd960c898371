import { sql } from 'drizzle-orm';
import { boolean, date, index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * What a coverage is (contract 2.2): its segment and, for JAKON, the project registration, for PU
 * the employer (BPU: the segment alone). '' is the one row of a NIK BPJS said it does not know.
 * Written once here, as generated columns, so no writer can disagree about it.
 */
export const coverageKeyOf = (found: string, segment: string, projectNumber: string, employerNpp: string) => sql.raw(
  `case when not coalesce(${found}, true) then '' when ${segment} = 'JAKON' then 'JAKON:' || coalesce(${projectNumber}, '')
    when ${segment} = 'PU' then 'PU:' || coalesce(${employerNpp}, '') else coalesce(${segment}, '?') end`,
);

/**
 * BPJS's current answer for one coverage of a NIK: a person has one current record per coverage.
 * `found = false` (coverage '') records that BPJS (live upstream) said it knows no such person; it
 * is then the NIK's only row. Freshness is measured from `as_of`, the time of BPJS's data.
 */
export const memberships = pgTable('memberships', {
  nik: text('nik').notNull(),
  coverage: text('coverage').notNull().generatedAlwaysAs(coverageKeyOf('found', 'segment', 'project_number', 'employer_npp')),
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
}, (t) => [
  primaryKey({ name: 'memberships_pkey', columns: [t.nik, t.coverage] }),
  // Only the rows of NIKs BPJS said it does not know: what an import replaces, found at once.
  index('memberships_unknown_idx').on(t.nik).where(sql`coverage = ''`),
]);
