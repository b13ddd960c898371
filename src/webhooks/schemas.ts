import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../http/pagination.ts';
import { opdCodeSchema } from '../opds/schemas.ts';

export const WEBHOOK_EVENTS = [
  'disbursement.decided', 'disbursement.voided', 'override.requested', 'override.decided', 'forecast.at_risk',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export const createWebhookBody = z
  .strictObject({
    url: z.string().max(2000).describe('Where to POST: https (http only to an allowed private address outside production)'),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).describe('Event types to receive'),
    opdCode: opdCodeSchema.optional().describe('Only events of this OPD (admin may omit it: every OPD); opd staff: their own'),
  })
  .meta({ id: 'CreateWebhook' });
export type CreateWebhook = z.infer<typeof createWebhookBody>;

export const webhookSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    opdCode: z.string().nullable(),
    createdAt: z.string().describe('RFC 3339, UTC'),
    disabledAt: z.string().nullable().describe('Set when the endpoint answered 410 Gone: nothing more is sent'),
  })
  .meta({ id: 'Webhook' });

export const webhookListSchema = z.object({ items: z.array(webhookSchema) });

export const deliverySchema = z
  .object({
    eventId: z.uuid().describe('The webhook-id header sent'),
    type: z.enum(WEBHOOK_EVENTS),
    attempt: z.number().int(),
    at: z.string(),
    outcome: z.enum(['DELIVERED', 'FAILED', 'DISABLED', 'REFUSED_ADDRESS', 'SKIPPED']),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .meta({ id: 'WebhookDelivery' });
export const deliveryPageSchema = pageSchema(deliverySchema);
export const deliveriesQuery = z.strictObject({ limit: limitSchema, cursor: cursorSchema });

export const jwksSchema = z
  .object({ keys: z.array(z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() })) })
  .meta({ id: 'WebhookJwks' });
