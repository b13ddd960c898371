import { z } from 'zod';
import { isoDateSchema } from '../http/schemas.ts';

export const yearSchema = z.coerce.number().int().min(1900).max(2199).describe('Calendar year, e.g. 2026');

export const holidaySchema = z
  .object({
    date: isoDateSchema,
    name: z.string().describe('Name as the SKB gives it, e.g. "Cuti bersama Idulfitri"'),
  })
  .meta({ id: 'Holiday' });

export const holidayYearSchema = z
  .object({ year: z.number().int(), days: z.array(holidaySchema).describe('Holidays of the year, by date') })
  .meta({ id: 'HolidayYear' });

export const holidaysQuery = z.strictObject({
  year: yearSchema.optional().describe('Calendar year; default: the current local year'),
});

export const yearParams = z.object({ year: yearSchema });

export const replaceHolidaysBody = z
  .strictObject({
    days: z
      .array(z.strictObject({ date: isoDateSchema, name: z.string().trim().min(1).max(200) }))
      .max(366)
      .describe('Every holiday of the year (national holidays and cuti bersama); replaces what is stored'),
  })
  .meta({ id: 'ReplaceHolidays' });
export type ReplaceHolidays = z.infer<typeof replaceHolidaysBody>;
export type Holiday = z.infer<typeof holidaySchema>;
