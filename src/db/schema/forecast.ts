import { date, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/** One row per local day the daily forecast ran (2.6, forecast.at_risk). Append-only. */
export const forecastRuns = pgTable('forecast_runs', {
  day: date('day').primaryKey(),
  ranAt: timestamp('ran_at', { withTimezone: true }).notNull(),
});

/**
 * The projects a day's run found at risk. Append-only; its primary key makes the run idempotent per
 * project per day: a row inserted again does nothing, and only a row that is new is notified (and
 * then only when the project was not at risk on the run before).
 */
export const forecastAtRisk = pgTable(
  'forecast_at_risk',
  {
    day: date('day').notNull().references(() => forecastRuns.day),
    projectId: uuid('project_id').notNull().references(() => projects.id),
    blockedFrom: date('blocked_from').notNull(),
    /** The blocking reason codes on blockedFrom. */
    reasons: jsonb('reasons').notNull(),
    opdCode: text('opd_code').notNull(),
  },
  (t) => [primaryKey({ columns: [t.day, t.projectId] })],
);
