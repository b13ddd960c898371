import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const contractors = pgTable('contractors', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  nib: text('nib').notNull().unique(),
  npwp: text('npwp').notNull(),
  bpjsEmployerNumber: text('bpjs_employer_number'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
