import { z } from 'zod';
import { opdCodeSchema } from '../opds/schemas.ts';
import { REASON_CODES } from '../policy/index.ts';

export const forecastQuery = z.strictObject({
  within: z.coerce.number().int().min(0).max(366).default(30).describe('Days ahead to look (0: today only)'),
  opdCode: opdCodeSchema.optional(),
});

const atRiskSchema = z
  .object({
    projectId: z.uuid(),
    projectCode: z.string(),
    opdCode: z.string(),
    blockedFrom: z.string().describe('The first day (YYYY-MM-DD, local) on which the next payment would be BLOCKED'),
    reasons: z.array(z.object({
      code: z.enum(REASON_CODES),
      retryable: z.boolean(),
      message: z.string(),
      workers: z.number().int().optional().describe('How many workers the reason names'),
    })).describe('The blocking reasons on blockedFrom'),
  })
  .meta({ id: 'ProjectAtRisk' });

export const forecastSchema = z
  .object({
    asOf: z.string().describe('Today (local date)'),
    within: z.number().int(),
    items: z.array(atRiskSchema).describe('Soonest first'),
  })
  .meta({ id: 'Forecast' });
