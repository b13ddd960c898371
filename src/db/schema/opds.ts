import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const opds = pgTable('opds', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
