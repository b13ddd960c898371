// The upstream's wire shape (contract: "The upstream membership service"). Only the adapter
// (client, provider mapping) and the simulator import this; the rest of Gerbang sees memberships.
import { z } from 'zod';
import { isApiDate } from '../http/schemas.ts';

const MAX_MONEY = 1_000_000_000_000_000;

const digits = (min: number, max: number) => z.string().regex(new RegExp(`^\\d{${min},${max}}$`));
// Within the API's date range: a year-0 date from the upstream is malformed, not a 500 later.
const isoDate = z.string().refine(isApiDate, 'a calendar date YYYY-MM-DD within 1900..2199');
const money = z.number().int().min(0).max(MAX_MONEY);

export const PARTICIPANTS_PATH = '/participants/status';
export const PROJECTS_PATH = '/projects/status';
/** The upstream answers at most this many entries per call. */
export const MAX_BATCH = 100;

// One coverage as the upstream describes it, at a result's top level or inside `memberships`.
const coverageFields = {
  kpj: digits(11, 11),
  status: z.enum(['AKTIF', 'NONAKTIF']),
  programs: z.array(z.enum(['JKK', 'JKM', 'JHT', 'JP', 'JKP'])).max(5),
  coverageStart: isoDate,
  // An open-ended membership (no end yet) is answered as null or left out.
  coverageEnd: isoDate.nullable().optional(),
  segment: z.enum(['JAKON', 'PU', 'BPU']),
  projectNumber: digits(1, 40).nullable().optional(),
  employerNpp: digits(1, 40).nullable().optional(),
};
type CoverageFields = { programs: string[]; coverageStart: string; coverageEnd?: string | null | undefined; segment: string; projectNumber?: string | null | undefined };
const coverageRules = <T extends z.ZodType<CoverageFields>>(schema: T) => schema
  .refine((p) => new Set(p.programs).size === p.programs.length, 'programs repeat')
  .refine((p) => p.coverageEnd == null || p.coverageStart <= p.coverageEnd, 'coverageEnd before coverageStart')
  // A Jakon membership means nothing without the project it covers.
  .refine((p) => p.segment !== 'JAKON' || p.projectNumber != null, 'JAKON without projectNumber');

export const upstreamCoverageSchema = coverageRules(z.object(coverageFields));

/** Part 1's form: the one coverage's fields at the top level of the result. */
export const participantFoundFlatSchema = coverageRules(z.object({
  nik: digits(16, 16),
  found: z.literal(true),
  name: z.string().trim().min(1).max(200),
  ...coverageFields,
}));

/** Contract 2.2's form: every coverage of the person in `memberships` (the complete set). */
export const participantFoundListSchema = z.object({
  nik: digits(16, 16),
  found: z.literal(true),
  name: z.string().trim().min(1).max(200),
  memberships: z.array(upstreamCoverageSchema).min(1).max(50),
});

// A found result must carry one of the two forms; with neither it is malformed. The list form
// is tried first, so a result holding both is read as the complete list.
export const participantFoundSchema = z.union([participantFoundListSchema, participantFoundFlatSchema]);

export const participantNotFoundSchema = z.object({ nik: digits(16, 16), found: z.literal(false) });
export const participantSchema = z.union([participantFoundSchema, participantNotFoundSchema]);

export const projectFoundSchema = z
  .object({
    projectNumber: digits(1, 40),
    found: z.literal(true),
    status: z.enum(['MENDAFTAR', 'PESERTA']),
    contractValue: money,
    premiumRequired: money,
    premiumPaid: money,
    workersRegistered: z.number().int().min(0).max(10_000_000),
    coverageStart: isoDate,
    coverageEnd: isoDate,
  })
  .refine((p) => p.coverageStart <= p.coverageEnd, 'coverageEnd before coverageStart');

export const projectNotFoundSchema = z.object({ projectNumber: digits(1, 40), found: z.literal(false) });
export const projectSchema = z.union([projectFoundSchema, projectNotFoundSchema]);

export const participantsAnswerSchema = z.object({ results: z.array(participantSchema).max(MAX_BATCH) });
export const projectsAnswerSchema = z.object({ results: z.array(projectSchema).max(MAX_BATCH) });

export const participantsRequestSchema = z.strictObject({ niks: z.array(digits(16, 16)).min(1).max(MAX_BATCH) });
export const projectsRequestSchema = z.strictObject({ projectNumbers: z.array(digits(1, 40)).min(1).max(MAX_BATCH) });

export type UpstreamParticipant = z.infer<typeof participantSchema>;
export type UpstreamParticipantFound = z.infer<typeof participantFoundSchema>;
export type UpstreamCoverage = z.infer<typeof upstreamCoverageSchema>;
export type UpstreamProject = z.infer<typeof projectSchema>;
export type UpstreamProjectFound = z.infer<typeof projectFoundSchema>;
