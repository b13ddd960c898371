import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { validationFailed, type FieldError } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { listHolidays, replaceHolidays } from './repository.ts';
import type { ReplaceHolidays } from './schemas.ts';

export function createHolidayService(ctx: AppContext) {
  const { db } = ctx.database;
  return {
    async read(year: number | undefined) {
      const y = year ?? Number(ctx.today().slice(0, 4));
      return { year: y, days: await listHolidays(db, y) };
    },

    async replace(meta: RequestMeta, year: number, input: ReplaceHolidays) {
      const errors: FieldError[] = [];
      const seen = new Set<string>();
      input.days.forEach((d, i) => {
        if (!d.date.startsWith(`${year}-`)) errors.push({ path: `days.${i}.date`, message: `not in ${year}` });
        else if (seen.has(d.date)) errors.push({ path: `days.${i}.date`, message: 'the same date twice' });
        seen.add(d.date);
      });
      if (errors.length > 0) throw validationFailed(errors);
      const days = [...input.days].sort((a, b) => a.date.localeCompare(b.date));
      return db.transaction(async (tx) => {
        const replaced = await replaceHolidays(tx, year, days);
        await appendAudit(tx, {
          actor: meta.actor, action: 'holidays.replaced', entityType: 'holidays', entityId: String(year),
          data: { year, replaced, days }, requestId: meta.requestId,
        }, ctx.clock);
        return { year, days };
      });
    },
  };
}
