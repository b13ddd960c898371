import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { assignments } from './assignments.ts';

/** Every version an assignment has had (ADDED, UPDATED, ENDED), oldest first. */
export const assignmentHistory = pgTable(
  'assignment_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    assignmentId: uuid('assignment_id').notNull().references(() => assignments.id),
    change: text('change').notNull(),
    snapshot: jsonb('snapshot').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
    changedBy: text('changed_by').notNull(),
  },
  (t) => [index('assignment_history_assignment_idx').on(t.assignmentId)],
);
