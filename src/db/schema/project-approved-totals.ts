import { bigint, pgTable, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/**
 * Each project's approved total (the sum of its approved stages' amounts), kept by triggers on
 * approved_stages in the same transaction as any approval, void or override (migration 0033), so a
 * decision reads one row however many stages the project has been paid. A project without a row
 * has approved nothing.
 */
export const projectApprovedTotals = pgTable('project_approved_totals', {
  projectId: uuid('project_id').primaryKey().references(() => projects.id),
  total: bigint('total', { mode: 'number' }).notNull().default(0),
});
