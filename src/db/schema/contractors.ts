import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const contractors = pgTable('contractors', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  nib: text('nib').notNull().unique(),
  npwp: text('npwp').notNull(),
  bpjsEmployerNumber: text('bpjs_employer_number'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // Lists page by (created_at, id); without it every page sorts the whole table.
  index('contractors_created_idx').on(t.createdAt, t.id),
]);
