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

const base64Hash = z.string().describe('SHA-256, base64 (44 characters)');

export const cosignatureSchema = z.object({
  witness: z.string().describe('The witness key name'),
  signedAt: z.string().describe('The timestamp inside the cosignature (RFC 3339 UTC)'),
  signatureLine: z.string().describe('The tlog-cosignature/v1 line as the witness sent it'),
});

export const checkpointSchema = z
  .object({
    seq: z.number().int(),
    hash: hashSchema,
    at: z.string().describe('When the head was read and signed (RFC 3339 UTC)'),
    jws: z.string().describe('Compact JWS (ES256, kid in the header) over { seq, hash, at }'),
    treeSize: z.number().int().describe('Leaves in the Merkle tree: equal to seq'),
    rootHash: base64Hash.describe('RFC 9162 root hash of the first treeSize events, base64'),
    note: z.string().describe('C2SP signed note (tlog-checkpoint): origin, tree size, base64 root, a blank line, "— <LOG_ORIGIN> <base64(key id || Ed25519 signature)>"; with cosigned=true also every witness cosignature line'),
    verifierKey: z.string().describe("The log's C2SP verifier key: <LOG_ORIGIN>+<key id hex>+<base64(0x01 || Ed25519 public key)>"),
    cosignatures: z.array(cosignatureSchema).optional().describe('With cosigned=true: the witnesses that cosigned this size'),
  })
  .meta({ id: 'AuditCheckpoint' });

export const checkpointQuery = z
  .object({
    treeSize: seqSchema.optional().describe('The checkpoint of this past tree size (default: the head)'),
    cosigned: z.enum(['true', 'false']).optional().describe('true: the latest tree size that witnesses cosigned, with their cosignatures'),
  })
  .refine((q) => !(q.treeSize !== undefined && q.cosigned === 'true'), { message: 'give treeSize or cosigned=true, not both', path: ['cosigned'] });

export const inclusionQuery = z.object({
  seq: seqSchema.min(1).describe('The event (its leaf index is seq - 1)'),
  treeSize: seqSchema.min(1).optional().describe('Size of the tree to prove inclusion in (default: the head)'),
});

export const inclusionProofSchema = z
  .object({
    leafIndex: z.number().int(),
    treeSize: z.number().int(),
    leafHash: base64Hash.describe('SHA-256(0x00 || RFC 8785 canonical JSON of the event, hash included), base64'),
    rootHash: base64Hash,
    hashes: z.array(base64Hash).describe('RFC 9162 2.1.3 inclusion path, leaf side first'),
  })
  .meta({ id: 'InclusionProof' });

export const consistencyQuery = z.object({
  from: seqSchema.min(1).describe('The older tree size'),
  to: seqSchema.min(1).describe('The newer tree size (at most the head)'),
});

export const consistencyProofSchema = z
  .object({ from: z.number().int(), to: z.number().int(), hashes: z.array(base64Hash).describe('RFC 9162 2.1.4 consistency path') })
  .meta({ id: 'ConsistencyProof' });

export const witnessBody = z.strictObject({
  vkey: z.string().min(1).max(500).describe('C2SP verifier key: <name>+<key id hex>+<base64(0x04 || 32-byte Ed25519 key)>'),
});

export const witnessSchema = z
  .object({ name: z.string(), keyId: z.string(), vkey: z.string(), registeredAt: z.string() })
  .meta({ id: 'AuditWitness' });

export const cosignatureBody = z.strictObject({
  treeSize: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('The checkpoint size the witness cosigned'),
  signatureLine: z.string().min(1).max(1000).describe('"— <witness name> <base64(key id || timestamp || Ed25519 signature)>" (tlog-cosignature/v1)'),
});

export const storedCosignatureSchema = cosignatureSchema.extend({ treeSize: z.number().int() }).meta({ id: 'AuditCosignature' });

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
