import { z } from 'zod';
import { cursorSchema, limitSchema } from '../http/pagination.ts';
import { dateOrInstantSchema } from '../http/schemas.ts';
import { AUDIT_ACTIONS } from './chain.ts';
import { CHAIN_PROBLEMS } from './verifier.ts';

const seqSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const hashSchema = z.string().describe('SHA-256, 64 lowercase hex digits');
const dateOrInstant = dateOrInstantSchema;
// Comparing in UTC is close enough to refuse a reversed range; the query applies the real zone.
const startOf = (v: string) => Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v);
const endOf = (v: string) => (v.length === 10 ? startOf(v) + 86_399_999 : Date.parse(v));

export const eventsQuery = z
  .object({
    afterSeq: seqSchema.optional().describe('Only events with a greater seq (exclusive)'),
    limit: limitSchema,
    cursor: cursorSchema,
    from: dateOrInstant.optional().describe('Events at or after: a date means from the start of that local day'),
    to: dateOrInstant.optional().describe('Events at or before: a date means to the end of that local day'),
    action: z.enum(AUDIT_ACTIONS).optional().describe('Only events of this action'),
    entityId: z.string().min(1).max(200).optional().describe("Only events about this entity (its id as a string)"),
  })
  .refine((q) => q.from === undefined || q.to === undefined || startOf(q.from) <= endOf(q.to), { message: 'from must not be after to', path: ['to'] });
export type EventsQuery = z.infer<typeof eventsQuery>;

// actor and data are exported exactly as stored, whatever their shape: an export must still carry
// an event that was tampered with into some other JSON, so the verifier can name it.
export const auditEventSchema = z
  .object({
    seq: z.number().int().describe('1, 2, 3, ... without gaps'),
    at: z.string().describe('When it was appended: RFC 3339 UTC with milliseconds, exactly as hashed'),
    actor: z.unknown().describe('{ sub, roles, opd }: who made the change'),
    action: z.string().describe(`One of ${AUDIT_ACTIONS.join(', ')}`),
    entityType: z.string(),
    entityId: z.string().describe("The entity's id as a string"),
    data: z.unknown().describe('What changed; workers appear only as keyed pseudonyms (HMAC-SHA-256 of the NIK)'),
    requestId: z.string().nullable(),
    prevHash: hashSchema.describe('hash of the previous event; 64 zeros for seq 1'),
    hash: hashSchema.describe('SHA-256 (hex) of the RFC 8785 canonical JSON of this event without hash'),
  })
  .meta({ id: 'AuditEvent' });

export const eventPageSchema = z.object({
  items: z.array(auditEventSchema),
  nextCursor: z.string().nullable().describe('null at the head as it was when the first page was read'),
});

export const verifyQuery = z
  .object({
    fromSeq: seqSchema.min(1).default(1).describe('First seq to check (default 1)'),
    toSeq: seqSchema.min(1).optional().describe('Last seq to check (default and at most: the head)'),
  })
  .refine((q) => q.toSeq === undefined || q.fromSeq <= q.toSeq, { message: 'fromSeq must not exceed toSeq', path: ['toSeq'] });

export const verifyResultSchema = z
  .object({
    ok: z.boolean(),
    checked: z.number().int().describe('Events examined (the invalid one included)'),
    fromSeq: z.number().int(),
    toSeq: z.number().int().describe('Last seq of the range checked: the requested toSeq, at most the head'),
    toHash: hashSchema.nullable().describe('Stored hash at toSeq when the range verified: compare with a checkpoint'),
    headSeq: z.number().int(),
    headHash: hashSchema,
    firstInvalidSeq: z.number().int().optional().describe('The first seq that is missing, altered, inserted or mislinked'),
    reason: z.enum(CHAIN_PROBLEMS).optional(),
    detail: z.string().optional(),
  })
  .meta({ id: 'AuditVerification' });

export const checkpointSchema = z
  .object({
    seq: z.number().int(),
    hash: hashSchema,
    at: z.string().describe('When the head was read and signed (RFC 3339 UTC)'),
    jws: z.string().describe('Compact JWS (ES256, kid in the header) over { seq, hash, at }'),
  })
  .meta({ id: 'AuditCheckpoint' });

// The object schema strips every member it does not list, so a private `d` can never be served.
const publicJwkSchema = z.object({
  kty: z.string(),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
  n: z.string().optional(),
  e: z.string().optional(),
  kid: z.string().optional(),
  alg: z.string().optional(),
  use: z.string().optional(),
});
export const jwksSchema = z.object({ keys: z.array(publicJwkSchema) }).meta({ id: 'Jwks' });
