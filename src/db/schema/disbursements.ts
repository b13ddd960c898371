import { type AnyPgColumn, bigint, boolean, date, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/** A gate decision with the evidence it rests on. Append-only (trigger): voids are separate rows. */
export const disbursements = pgTable(
  'disbursements',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id').notNull().references(() => projects.id),
    stage: text('stage').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    requestRef: text('request_ref').notNull(),
    valueDate: date('value_date').notNull(),
    final: boolean('final').notNull(),
    decision: text('decision').notNull(),
    reasons: jsonb('reasons').notNull(),
    summary: jsonb('summary').notNull(),
    policyId: text('policy_id').notNull(),
    policyVersion: integer('policy_version').notNull(),
    periodFrom: date('period_from').notNull(),
    periodTo: date('period_to').notNull(),
    evidence: jsonb('evidence').notNull(),
    evidenceSha256: text('evidence_sha256').notNull(),
    requestedBy: text('requested_by').notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull(),
    /** Set on the APPROVED decision an approved override created: the BLOCKED decision it releases. */
    overriddenFrom: uuid('overridden_from').references((): AnyPgColumn => disbursements.id).unique(),
  },
  (t) => [
    index('disbursements_project_idx').on(t.projectId, t.decidedAt),
    index('disbursements_requested_by_idx').on(t.requestedBy, t.decidedAt),
  ],
);
