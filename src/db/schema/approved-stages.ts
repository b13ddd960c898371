import { bigint, date, index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
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
    /**
     * The approved decision's amount, so the approved total is a sum over this table alone
     * (migration 0028). Null only on rows written before it, or by hand: read through the decision then.
     */
    amount: bigint('amount', { mode: 'number' }),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.stage] }),
    // A decision's latest approval on or before a date (migrations 0029, 0030): value date
    // descending, then stage ascending, as those queries order, so one index probe answers however
    // many stages the project has been paid (ascending stages would sort every approval of the
    // latest date).
    index('approved_stages_project_value_date_idx').on(t.projectId, t.valueDate.desc().nullsFirst(), t.stage),
  ],
);
