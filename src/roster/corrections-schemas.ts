import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../http/pagination.ts';
import { isoDateSchema, uuidSchema } from '../http/schemas.ts';

export const correctionBody = z
  .strictObject({
    startDate: isoDateSchema.optional().describe('The first day the worker really worked on this project'),
    endDate: isoDateSchema.optional().describe('The last day the worker really worked on this project'),
    cancelled: z.literal(true).optional().describe('The worker never worked on this project: the assignment never counts'),
    reason: z.string().trim().min(10).max(500).describe('Why the recorded dates were wrong (10..500 characters)'),
  })
  .refine((b) => b.startDate !== undefined || b.endDate !== undefined || b.cancelled !== undefined, {
    path: ['startDate'], message: 'give at least one of startDate, endDate or cancelled',
  })
  .describe('A correction of an assignment: takes effect at once and clears its reported dates');
export type CorrectionBody = z.output<typeof correctionBody>;

export const correctionSpanSchema = z
  .object({
    startDate: z.string(),
    endDate: z.string().nullable(),
    reportedStartDate: z.string().nullable(),
    reportedEndDate: z.string().nullable(),
    cancelled: z.boolean(),
  })
  .meta({ id: 'AssignmentSpan', description: 'The dates of an assignment that decide when it is checked' });
export type CorrectionSpan = z.infer<typeof correctionSpanSchema>;

export const correctionSchema = z
  .object({
    id: z.uuid(),
    assignmentId: z.uuid(),
    before: correctionSpanSchema,
    after: correctionSpanSchema,
    reason: z.string(),
    correctedAt: z.string().describe('RFC 3339, UTC'),
    correctedBy: z.string().describe('The `sub` of the token that made the correction'),
  })
  .meta({ id: 'RosterCorrection' });

export const correctionListItem = correctionSchema
  .extend({ projectId: z.uuid(), projectCode: z.string(), nik: z.string() })
  .meta({ id: 'RosterCorrectionListItem' });

export const correctionPageSchema = pageSchema(correctionListItem).meta({ id: 'RosterCorrectionPage' });

const dateOrInstant = z
  .union([isoDateSchema, z.iso.datetime({ offset: true })])
  .describe('A calendar date YYYY-MM-DD (a whole day in LOCAL_TIMEZONE) or an RFC 3339 timestamp');

export const correctionListQuery = z.object({
  opdCode: z.string().min(1).max(50).optional().describe('Only corrections of this OPD\'s projects'),
  projectId: uuidSchema.optional(),
  from: dateOrInstant.optional().describe('correctedAt on or after: a date means from the start of that local day'),
  to: dateOrInstant.optional().describe('correctedAt on or before: a date means to the end of that local day'),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type CorrectionListQuery = z.infer<typeof correctionListQuery>;
