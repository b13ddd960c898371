import { and, asc, gte, inArray, lte, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { holidays } from '../db/schema/index.ts';

const span = (year: number) => ({ from: `${year}-01-01`, to: `${year}-12-31` });

export function listHolidays(db: Executor, year: number) {
  const { from, to } = span(year);
  return db.select({ date: holidays.date, name: holidays.name }).from(holidays)
    .where(and(gte(holidays.date, from), lte(holidays.date, to))).orderBy(asc(holidays.date));
}

/** The holiday dates of the given years, for the working-days helper (policy/working-days.ts). */
export async function holidaysOfYears(db: Executor, years: readonly number[]): Promise<Set<string>> {
  if (years.length === 0) return new Set();
  const found = await db.select({ date: holidays.date }).from(holidays)
    .where(inArray(sql<number>`extract(year from ${holidays.date})::int`, [...years]));
  return new Set(found.map((h) => h.date));
}

/** Replaces one year's days; call inside the caller's transaction (with its audit event). */
export async function replaceHolidays(db: Executor, year: number, days: readonly { date: string; name: string }[]) {
  const { from, to } = span(year);
  const removed = await db.delete(holidays).where(and(gte(holidays.date, from), lte(holidays.date, to)))
    .returning({ date: holidays.date });
  if (days.length > 0) await db.insert(holidays).values([...days]);
  return removed.length;
}
