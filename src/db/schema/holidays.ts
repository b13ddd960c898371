import { date, pgTable, text } from 'drizzle-orm/pg-core';

/**
 * The deployment's non-working days besides weekends: national holidays and collective leave (cuti
 * bersama) as the joint ministerial decree (SKB) of each year sets them. Working days (policy v2,
 * override expiry) are Monday to Friday less these. Replaced a whole year at a time (audited).
 */
export const holidays = pgTable('holidays', {
  date: date('date').primaryKey(),
  name: text('name').notNull(),
});
