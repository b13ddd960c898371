import { z } from 'zod';
import { digitStringSchema, instantSchema, isoDateSchema, kpjSchema, nikSchema } from '../http/schemas.ts';

export const MEMBERSHIP_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
export const PROGRAMS = ['JKK', 'JKM', 'JHT', 'JP', 'JKP'] as const;
export const SEGMENTS = ['JAKON', 'PU', 'BPU'] as const;
export type Program = (typeof PROGRAMS)[number];

/** RFC 3339 with a zone (Z or an offset); normalised to UTC so records compare as strings. */
export const rfc3339Schema = instantSchema
  .transform((value) => new Date(value).toISOString())
  .describe('RFC 3339 timestamp with a time zone, e.g. 2025-07-01T08:00:00Z');

/** One imported BPJS membership record (contract: Memberships). */
export const membershipRecordInput = z
  .strictObject({
    nik: nikSchema,
    kpj: kpjSchema,
    name: z.string().trim().min(1).max(200),
    status: z.enum(MEMBERSHIP_STATUSES),
    programs: z
      .array(z.enum(PROGRAMS))
      .max(PROGRAMS.length)
      .refine((list) => new Set(list).size === list.length, 'a program is listed twice')
      // One canonical order, so the same set of programs always compares equal in SQL.
      .transform((list) => PROGRAMS.filter((p) => list.includes(p)))
      .describe('Programs covered: a subset of JKK, JKM, JHT, JP, JKP'),
    coverageStart: isoDateSchema,
    coverageEnd: isoDateSchema,
    segment: z.enum(SEGMENTS).describe('JAKON: through a construction project registration; PU: wage earner of employerNpp; BPU: self-employed'),
    projectNumber: digitStringSchema('BPJS project registration number (JAKON)').nullish(),
    employerNpp: digitStringSchema('BPJS employer number (NPP) of the PU employer').nullish(),
    asOf: rfc3339Schema.describe('When BPJS produced this data (RFC 3339); freshness is measured from it'),
  })
  .refine((r) => r.coverageEnd >= r.coverageStart, { path: ['coverageEnd'], message: 'coverageEnd must be on or after coverageStart' })
  .describe('One BPJS membership record');
export type MembershipRecord = z.output<typeof membershipRecordInput>;

export const MAX_IMPORT_ERRORS = 1000;
export const CSV_COLUMNS = {
  required: ['nik', 'kpj', 'name', 'status', 'programs', 'coverageStart', 'coverageEnd', 'segment', 'asOf'],
  optional: ['projectNumber', 'employerNpp'],
} as const;

export const importJsonBody = z
  .strictObject({ records: z.array(membershipRecordInput).min(1) })
  .meta({
    description: [
      'JSON `{ records }` (up to 8 MiB), or the same records streamed (up to 512 MiB) as `application/x-ndjson`',
      '(one record per line) or `text/csv` with the header',
      '`nik,kpj,name,status,programs,coverageStart,coverageEnd,segment,projectNumber,employerNpp,asOf`',
      '(any column order; projectNumber and employerNpp may be left empty or omitted). In CSV, `programs` lists',
      'the programs inside one field separated by `|` or `;` (e.g. `JKK|JKM`), or by commas when the field is quoted.',
    ].join(' '),
  });

export const importResultSchema = z
  .object({
    importId: z.uuid().describe('Entity id of the membership.imported audit event'),
    received: z.number().int().describe('Records in the file'),
    inserted: z.number().int().describe('Coverages (NIK and segment, project or employer) with no stored record before'),
    updated: z.number().int().describe('Stored records replaced by newer, different data (history appended)'),
    unchanged: z.number().int().describe('Same content as stored (a newer asOf still refreshes the stored asOf)'),
    skippedOlder: z.number().int().describe('Older than the stored record of that coverage: nothing changed'),
    superseded: z.number().int().describe('Records of a coverage repeated in this file that lost to its newest record (latest asOf; on a tie the later line)'),
  })
  .meta({ id: 'MembershipImportResult' });

/** The stored current record for a NIK (BPJS's answer). `found: false` means BPJS said it does not know the NIK. */
export const membershipSchema = z
  .object({
    nik: z.string(),
    found: z.boolean(),
    kpj: z.string().nullable(),
    name: z.string().nullable(),
    status: z.enum(MEMBERSHIP_STATUSES).nullable(),
    programs: z.array(z.string()),
    coverageStart: z.string().nullable(),
    coverageEnd: z.string().nullable(),
    segment: z.enum(SEGMENTS).nullable(),
    projectNumber: z.string().nullable(),
    employerNpp: z.string().nullable(),
    asOf: z.string().describe('RFC 3339 time of BPJS data'),
    source: z.string().describe('import (snapshot file) or the live upstream'),
    updatedAt: z.string(),
  })
  .meta({ id: 'Membership' });
export type Membership = z.infer<typeof membershipSchema>;

export const membershipHistoryEntrySchema = membershipSchema
  .omit({ updatedAt: true })
  .extend({
    recordedAt: z.string().describe('When Gerbang stored this version'),
    ended: z.boolean().describe('This coverage stopped being current: BPJS\'s complete answer for the NIK left it out'),
  })
  .meta({ id: 'MembershipHistoryEntry' });
export type MembershipHistoryEntry = z.infer<typeof membershipHistoryEntrySchema>;

export const searchBody = z.strictObject({
  niks: z.array(nikSchema).min(1).max(100).describe('1 to 100 NIKs (in the body, never in a URL)'),
});

export const searchResultSchema = z
  .object({
    items: z.array(
      z.object({
        nik: z.string(),
        current: membershipSchema.describe('The most recently changed of `coverages`'),
        coverages: z.array(membershipSchema).describe('Every current record of the NIK: one per coverage (segment, and project or employer)'),
        history: z.array(membershipHistoryEntrySchema).describe('Every stored version of every coverage, oldest first'),
      }),
    ),
  })
  .meta({ id: 'MembershipSearchResult' });
