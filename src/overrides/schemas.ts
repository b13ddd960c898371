import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../http/pagination.ts';
import { opdCodeSchema } from '../opds/schemas.ts';
import { decisionSchema } from '../disbursements/schemas.ts';

export const OVERRIDE_STATES = ['PENDING', 'APPROVED', 'REJECTED', 'EXPIRED'] as const;
export type OverrideState = (typeof OVERRIDE_STATES)[number];

export const createOverrideBody = z
  .strictObject({
    reason: z.string().trim().min(10).max(2000).describe('Why the payment must go ahead although proof could not be had'),
    evidenceRef: z.string().trim().min(1).max(200).optional().describe('A reference to supporting evidence, e.g. the BPJS outage notice'),
  })
  .meta({ id: 'CreateOverrideRequest' });
export type CreateOverride = z.infer<typeof createOverrideBody>;

export const decideOverrideBody = z
  .strictObject({ note: z.string().trim().min(1).max(2000).describe('The treasury\'s note, kept with the answer') })
  .meta({ id: 'DecideOverrideRequest' });

export const overrideRequestSchema = z
  .object({
    id: z.uuid(),
    disbursementId: z.uuid().describe('The BLOCKED decision it asks to release'),
    projectId: z.uuid(),
    projectCode: z.string(),
    opdCode: z.string(),
    stage: z.string(),
    amount: z.number().int(),
    state: z.enum(OVERRIDE_STATES),
    reason: z.string(),
    evidenceRef: z.string().nullable(),
    requestedBy: z.string(),
    requestedAt: z.string(),
    expiresAt: z.string().describe('After 3 working days (Mon-Fri less the holiday calendar)'),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    note: z.string().nullable(),
    overrideDisbursementId: z.uuid().nullable().describe('The APPROVED decision an approval created'),
  })
  .meta({ id: 'OverrideRequest' });

export const approvedOverrideSchema = overrideRequestSchema.extend({ decision: decisionSchema.optional() }).meta({ id: 'DecidedOverrideRequest' });

export const listOverridesQuery = z.strictObject({
  state: z.enum(OVERRIDE_STATES).optional(),
  opdCode: opdCodeSchema.optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});
export const overridePageSchema = pageSchema(overrideRequestSchema);
