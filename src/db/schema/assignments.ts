import { sql } from 'drizzle-orm';
import { boolean, date, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/**
 * A worker's assignment to a project. Rows are never deleted: removing a worker from the roster
 * sets `end_date` (the last day worked) and `removed_at`, so past periods can still be checked.
 */
export const assignments = pgTable(
  'assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id').notNull().references(() => projects.id),
    nik: text('nik').notNull(),
    name: text('name').notNull(),
    kpj: text('kpj'),
    role: text('role').notNull(),
    startDate: date('start_date').notNull(),
    endDate: date('end_date'),
    // The recorded span (contract 2.1): dates a plain edit moved away from, still checked.
    reportedStartDate: date('reported_start_date'),
    reportedEndDate: date('reported_end_date'),
    // Removed before it started: never counts for any period, kept in the history.
    cancelled: boolean('cancelled').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('assignments_active_nik_uq').on(t.projectId, t.nik).where(sql`${t.removedAt} is null`),
    index('assignments_project_period_idx').on(t.projectId, t.startDate, t.endDate),
    index('assignments_nik_idx').on(t.nik),
  ],
);
