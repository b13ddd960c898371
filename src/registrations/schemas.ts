import { z } from 'zod';
import { digitStringSchema, isoDateSchema, moneySchema } from '../http/schemas.ts';
import { rfc3339Schema } from '../memberships/schemas.ts';

export const REGISTRATION_STATUSES = ['MENDAFTAR', 'PESERTA'] as const;

/** One imported BPJS project registration record (contract 2.3). */
export const registrationRecordInput = z
  .strictObject({
    projectNumber: digitStringSchema('BPJS Jakon project registration number'),
    status: z.enum(REGISTRATION_STATUSES).describe('MENDAFTAR: registered, premium not yet paid in full; PESERTA: participant'),
    contractValue: moneySchema.nullish().describe('Contract value BPJS registered, whole rupiah'),
    premiumRequired: moneySchema.nullish().describe("BPJS's required premium for the project, whole rupiah"),
    premiumPaid: moneySchema.describe('Premium BPJS has received, whole rupiah'),
    workersRegistered: z.number().int().min(0).max(1_000_000).nullish(),
    coverageStart: isoDateSchema.nullish(),
    coverageEnd: isoDateSchema.nullish(),
    asOf: rfc3339Schema.describe('When BPJS produced this data (RFC 3339); freshness is measured from it'),
  })
  .refine((r) => r.coverageStart == null || r.coverageEnd == null || r.coverageEnd >= r.coverageStart, {
    path: ['coverageEnd'], message: 'coverageEnd must be on or after coverageStart',
  })
  .describe('One BPJS project registration record');
export type RegistrationRecord = z.output<typeof registrationRecordInput>;

export const REGISTRATION_CSV_COLUMNS = {
  required: ['projectNumber', 'status', 'premiumPaid', 'asOf'],
  optional: ['contractValue', 'premiumRequired', 'workersRegistered', 'coverageStart', 'coverageEnd'],
} as const;

export const registrationImportJsonBody = z
  .strictObject({ records: z.array(registrationRecordInput).min(1) })
  .meta({
    description: [
      'JSON `{ records }` (up to 8 MiB), or the same records streamed as `application/x-ndjson` (one record per line)',
      'or `text/csv` with the header `projectNumber,status,premiumPaid,asOf` and, optionally,',
      '`contractValue,premiumRequired,workersRegistered,coverageStart,coverageEnd` (any order; optional fields may be empty).',
    ].join(' '),
  });

export const registrationImportResultSchema = z
  .object({
    importId: z.uuid().describe('Entity id of the registration.imported audit event'),
    received: z.number().int().describe('Records in the file'),
    inserted: z.number().int().describe('Registration numbers with no stored record before'),
    updated: z.number().int().describe('Stored records replaced by newer, different data (history appended)'),
    unchanged: z.number().int().describe('Same content as stored (a newer asOf still refreshes the stored asOf)'),
    skippedOlder: z.number().int().describe('Older than the stored record of that number: nothing changed'),
    superseded: z.number().int().describe('Records of a number repeated in this file that lost to its newest record (latest asOf; on a tie the later line)'),
  })
  .meta({ id: 'RegistrationImportResult' });

const registrationFields = {
  projectNumber: z.string(),
  found: z.boolean().describe('false: the live upstream said BPJS does not know this number'),
  status: z.enum(REGISTRATION_STATUSES).nullable(),
  contractValue: z.number().int().nullable(),
  premiumRequired: z.number().int().nullable(),
  premiumPaid: z.number().int().nullable(),
  workersRegistered: z.number().int().nullable(),
  coverageStart: z.string().nullable(),
  coverageEnd: z.string().nullable(),
  asOf: z.string().describe("RFC 3339 time of BPJS's data; freshness is measured from it"),
  source: z.enum(['import', 'upstream']).describe('import (snapshot file) or the live upstream'),
};

export const registrationSchema = z
  .object({ ...registrationFields, updatedAt: z.string().describe('When Gerbang last stored it') })
  .meta({ id: 'Registration' });
export type Registration = z.infer<typeof registrationSchema>;

export const registrationHistoryEntrySchema = z
  .object({ ...registrationFields, recordedAt: z.string().describe('When Gerbang stored this version') })
  .meta({ id: 'RegistrationHistoryEntry' });
export type RegistrationHistoryEntry = z.infer<typeof registrationHistoryEntrySchema>;

export const registrationParams = z.object({ projectNumber: digitStringSchema('BPJS Jakon project registration number') });

export const registrationReadSchema = z
  .object({
    current: registrationSchema,
    history: z.array(registrationHistoryEntrySchema).describe('Every stored version, oldest first'),
  })
  .meta({ id: 'RegistrationWithHistory' });
