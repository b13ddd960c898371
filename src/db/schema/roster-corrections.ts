import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { assignments } from './assignments.ts';
import { projects } from './projects.ts';

/**
 * A correction of an assignment's dates (or its cancellation), with its reason: append-only, so
 * inspectors can see every span that was rewritten after the fact. `before`/`after` hold the
 * dates, reported dates and cancelled flag, not personal data.
 */
export const rosterCorrections = pgTable(
  'roster_corrections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id').notNull().references(() => projects.id),
    assignmentId: uuid('assignment_id').notNull().references(() => assignments.id),
    before: jsonb('before').notNull(),
    after: jsonb('after').notNull(),
    reason: text('reason').notNull(),
    correctedAt: timestamp('corrected_at', { withTimezone: true }).notNull(),
    correctedBy: text('corrected_by').notNull(),
  },
  (t) => [
    index('roster_corrections_project_idx').on(t.projectId, t.correctedAt),
    index('roster_corrections_at_idx').on(t.correctedAt, t.id),
  ],
);
