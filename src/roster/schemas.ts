import { z } from 'zod';
import { isoDateSchema, kpjSchema, nikSchema, uuidSchema } from '../http/schemas.ts';
import { membershipSchema } from '../memberships/schemas.ts';

export const MAX_WORKERS = 10_000;
export const MAX_ROSTER_ERRORS = 1000;
export const CSV_COLUMNS = { required: ['nik', 'name', 'kpj', 'role', 'startDate', 'endDate'] } as const;

/** One worker as sent (JSON item or CSV row). KPJ may be unknown yet (a worker not registered). */
export const workerInput = z
  .strictObject({
    nik: nikSchema,
    name: z.string().trim().min(1).max(200).describe('Name as on the KTP'),
    kpj: kpjSchema.nullish().describe('BPJS Ketenagakerjaan card number, if the worker has one'),
    role: z.string().trim().min(1).max(100).describe('Free text, e.g. TUKANG, MANDOR'),
    startDate: isoDateSchema.describe('First day on this project'),
    endDate: isoDateSchema.nullish().describe('Last day on this project; empty while open-ended'),
  })
  .refine((w) => !w.endDate || w.endDate >= w.startDate, { path: ['endDate'], message: 'endDate must be on or after startDate' })
  .describe('A worker on the roster');
export type WorkerInput = z.output<typeof workerInput>;

/** A validated worker as the repository stores it (absent optional fields are null). */
export interface WorkerRow {
  nik: string;
  name: string;
  kpj: string | null;
  role: string;
  startDate: string;
  endDate: string | null;
}

export const replaceRosterBody = z
  .strictObject({ workers: z.array(workerInput).max(MAX_WORKERS) })
  .meta({
    description: [
      'JSON `{ workers: [...] }` (up to 8 MiB) or `text/csv` (streamed, up to 512 MiB) with the header',
      '`nik,name,kpj,role,startDate,endDate` (any column order; kpj and endDate may be empty).',
      'At most 10,000 workers; a NIK may appear once.',
    ].join(' '),
  });

export const workerSchema = z
  .object({
    assignmentId: z.uuid(),
    nik: z.string(),
    name: z.string(),
    kpj: z.string().nullable(),
    role: z.string(),
    startDate: z.string(),
    endDate: z.string().nullable().describe('Last day worked; set to today when the worker is removed'),
    removedAt: z.string().nullable().describe('When the worker left the active roster (RFC 3339); null while on it'),
    reportedStartDate: z.string().nullable().describe('The earliest start an edit moved away from (still checked); null when never set'),
    reportedEndDate: z.string().nullable().describe('The latest last day an edit moved away from (still checked); null when never set'),
    cancelled: z.boolean().describe('Removed before it started: never counts for any period'),
    membership: membershipSchema.nullable().describe('The current BPJS record of this NIK that fits this project best (see `coverages`), or null if none is stored'),
    coverages: z.array(membershipSchema).describe('Every current BPJS record of this NIK, one per coverage (segment, and project or employer), most recently changed first'),
  })
  .meta({ id: 'Worker' });
export type Worker = z.infer<typeof workerSchema>;

export const rosterSchema = z.object({ items: z.array(workerSchema) }).meta({ id: 'Roster' });

export const replaceRosterQuery = z.object({
  confirmEmpty: z
    .stringbool()
    .default(false)
    .describe('Required (true) to replace a roster that has active workers with an empty one (which ends them all)'),
});

export const rosterQuery = z.object({
  includeEnded: z
    .stringbool()
    .default(false)
    .describe('Also list assignments removed from the roster (ended by a replacement or DELETE)'),
});

export const replaceResultSchema = z
  .object({
    added: z.number().int(),
    removed: z.number().int().describe('Active workers missing from the new roster: their assignment ended today'),
    updated: z.number().int().describe('Workers whose name, KPJ, role or dates changed (history kept)'),
    unchanged: z.number().int(),
    total: z.number().int().describe('Active workers after the replacement'),
  })
  .meta({ id: 'RosterReplaceResult' });

export const assignmentParams = z.object({ id: uuidSchema, assignmentId: uuidSchema });
