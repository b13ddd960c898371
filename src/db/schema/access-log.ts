import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Who read personal data (UU 27/2022): one row per read of a roster, a membership search, decision
 * evidence with full NIKs or a registration. Apart from the hash chain so that reads stay fast;
 * written in batches. Holds no NIK or name: the route and how many people the answer showed.
 */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull(),
    sub: text('sub').notNull(),
    actor: jsonb('actor').notNull(),
    route: text('route').notNull(),
    count: integer('count').notNull(),
    requestId: text('request_id'),
  },
  (t) => [index('access_log_at_idx').on(t.at, t.id), index('access_log_sub_idx').on(t.sub, t.id)],
);
