import { date, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { disbursements } from './disbursements.ts';
import { projects } from './projects.ts';

/**
 * The database's guarantee that a stage is approved at most once until voided: the primary key
 * makes a second approval of (project, stage) fail even when requests race. A void deletes the row.
 */
export const approvedStages = pgTable(
  'approved_stages',
  {
    projectId: uuid('project_id').notNull().references(() => projects.id),
    stage: text('stage').notNull(),
    disbursementId: uuid('disbursement_id').notNull().unique().references(() => disbursements.id),
    valueDate: date('value_date').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.stage] })],
);
