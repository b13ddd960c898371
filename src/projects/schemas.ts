import { z } from 'zod';
import { periodSchema, policySchema, reasonSchema, stageSchema, summarySchema } from '../disbursements/schemas.ts';
import { cursorSchema, limitSchema, pageSchema } from '../http/pagination.ts';
import type { FieldError } from '../http/problem.ts';
import { digitStringSchema, isoDateSchema, moneySchema } from '../http/schemas.ts';
import { opdCodeSchema } from '../opds/schemas.ts';
import { isIsoDate } from '../policy/dates.ts';
import { parseVatHundredths } from '../policy/premium.ts';

export const FUNDING_SOURCES = ['APBD', 'APBN', 'SWASTA'] as const;

// Out-of-range values are reported by min/max alone, so each mistake gives one message.
const hasAtMostTwoDecimals = (value: number): boolean => {
  if (value < 0 || value > 100) return true;
  try {
    parseVatHundredths(value);
    return true;
  } catch {
    return false;
  }
};

const vatPercentSchema = z
  .number()
  .min(0)
  .max(100)
  .refine(hasAtMostTwoDecimals, 'at most 2 decimals')
  .describe('Effective VAT rate in percent, 0..100 with up to 2 decimals (11 since 2025: 12% on a base of 11/12)');

// Printable ASCII without spaces: codes travel in finance systems' documents and CSVs.
const codeSchema = z.string().regex(/^[\x21-\x7e]{1,64}$/, '1-64 printable characters without spaces').describe('Project (package) code, unique');

// What PATCH may change: everything but `code`, by which finance systems and stored decisions
// refer to the project.
const editable = {
  name: z.string().trim().min(3).max(500).describe('Name of the work package'),
  opdCode: opdCodeSchema,
  contractorId: z.uuid().describe('The contractor (GET /v1/contractors)'),
  fundingSource: z.enum(FUNDING_SOURCES).describe('APBD (city budget), APBN (state budget) or SWASTA (private cooperation)'),
  fiscalYear: z.number().int().min(2000).max(2100).describe('Fiscal year of the contract'),
  contractNumber: z.string().trim().min(1).max(200).describe('Contract (SPK) number'),
  contractValue: moneySchema.describe('Contract value including VAT, whole rupiah'),
  vatPercent: vatPercentSchema,
  startDate: isoDateSchema,
  endDate: isoDateSchema.describe('Last day of the work, YYYY-MM-DD; on or after startDate'),
  maintenanceEndDate: isoDateSchema.nullable().describe('End of the maintenance (retention) period, YYYY-MM-DD; on or after endDate'),
  bpjsRegistrationNumber: digitStringSchema('BPJS Jakon project registration number; unique across projects').nullable(),
  bpjsPremiumPaid: moneySchema.describe('Cumulative premium paid to BPJS as recorded from receipts, whole rupiah'),
};

export interface ProjectDates {
  startDate: string;
  endDate: string;
  maintenanceEndDate: string | null | undefined;
}

/**
 * The cross-field date rules. `blame` says which field of each pair the caller set, so the error
 * points at what they can fix (a PATCH that moves startDate past the stored endDate blames startDate).
 */
export function dateOrderErrors(p: ProjectDates, blame: { start?: boolean; maintenance?: boolean } = {}): FieldError[] {
  const errors: FieldError[] = [];
  if (p.endDate < p.startDate) {
    errors.push(blame.start ? { path: 'startDate', message: `must be on or before endDate (${p.endDate})` } : { path: 'endDate', message: `must be on or after startDate (${p.startDate})` });
  }
  if (p.maintenanceEndDate != null && p.maintenanceEndDate < p.endDate) {
    errors.push(blame.maintenance === false ? { path: 'endDate', message: `must be on or before maintenanceEndDate (${p.maintenanceEndDate})` } : { path: 'maintenanceEndDate', message: `must be on or after endDate (${p.endDate})` });
  }
  return errors;
}

export const createProjectBody = z
  .strictObject({
    code: codeSchema,
    ...editable,
    vatPercent: editable.vatPercent.default(11),
    maintenanceEndDate: editable.maintenanceEndDate.optional(),
    bpjsRegistrationNumber: editable.bpjsRegistrationNumber.optional(),
    bpjsPremiumPaid: editable.bpjsPremiumPaid.default(0),
  })
  // Runs alongside the field checks (they do not abort), so one 422 lists every problem; the
  // dates are compared only when each is itself a valid date.
  .check((ctx) => {
    const { startDate, endDate, maintenanceEndDate } = ctx.value as Partial<Record<string, unknown>>;
    const valid = (d: unknown): d is string => typeof d === 'string' && isIsoDate(d);
    if (!valid(startDate) || !valid(endDate)) return;
    const maintenance = valid(maintenanceEndDate) ? maintenanceEndDate : null;
    for (const e of dateOrderErrors({ startDate, endDate, maintenanceEndDate: maintenance })) {
      ctx.issues.push({ code: 'custom', message: e.message, path: [e.path], input: ctx.value });
    }
  });
export type CreateProject = z.output<typeof createProjectBody>;

export const patchProjectBody = z
  .strictObject({
    ...z.object(editable).partial().shape,
    addendumRef: z.string().trim().min(1).max(100).optional()
      .describe('Number of the contract addendum; required to change contractValue after the project\'s first approval'),
  })
  .refine((v) => Object.keys(v).some((k) => k !== 'addendumRef'), 'give at least one field to change');
export type PatchProject = z.output<typeof patchProjectBody>;

export const projectSchema = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    opdCode: z.string(),
    contractorId: z.uuid(),
    contractor: z.object({ id: z.uuid(), name: z.string(), bpjsEmployerNumber: z.string().nullable() }),
    fundingSource: z.enum(FUNDING_SOURCES),
    fiscalYear: z.number().int(),
    contractNumber: z.string(),
    contractValue: z.number().int(),
    vatPercent: z.number(),
    startDate: z.string(),
    endDate: z.string(),
    maintenanceEndDate: z.string().nullable(),
    bpjsRegistrationNumber: z.string().nullable(),
    bpjsPremiumPaid: z.number().int(),
    premium: z.object({
      required: z.object({ jkk: z.number().int(), jkm: z.number().int(), total: z.number().int() })
        .describe('JKK and JKM premium the contract value requires (derived, never stored; follows addenda)'),
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Project' });
export type Project = z.infer<typeof projectSchema>;

export const listProjectsQuery = z.object({
  opdCode: opdCodeSchema.optional().describe('Only this OPD (OPD staff always see only their own)'),
  q: z.string().trim().min(1).max(200).optional().describe('Part of the code, name or contract number'),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListProjectsQuery = z.infer<typeof listProjectsQuery>;

export const projectPageSchema = pageSchema(projectSchema);

export const complianceQuery = z.object({
  stage: stageSchema.optional().describe('Without a stage the already-approved check is skipped'),
  valueDate: isoDateSchema.optional().describe('Default today'),
  final: z.enum(['true', 'false']).optional().describe('Default false'),
});

export const complianceSchema = z
  .object({
    projectId: z.uuid(),
    stage: z.string().nullable(),
    valueDate: z.string(),
    final: z.boolean(),
    decision: z.enum(['APPROVED', 'BLOCKED']),
    reasons: z.array(reasonSchema),
    summary: summarySchema,
    period: periodSchema,
    policy: policySchema,
    premium: z.object({
      required: z.object({
        total: z.number().int(),
        source: z.enum(['BPJS', 'COMPUTED']).describe("BPJS: the registration's own figure (policy v2); COMPUTED: from the contract value"),
        jkk: z.number().int().optional().describe('Only when computed'),
        jkm: z.number().int().optional().describe('Only when computed'),
      }).describe('The premium this project owes, as the policy judges it'),
      computed: z.object({ jkk: z.number().int(), jkm: z.number().int(), total: z.number().int() })
        .describe('The premium computed from the contract value excluding VAT, always given'),
      requiredForPayment: z.number().int().describe('Half the total (rounded up) before the last payment, all of it for the last'),
      paid: z.number().int().nullable().describe('null while the registration is unverified (premium not judged)'),
      shortfall: z.number().int().describe('What must still be paid before this request could pass; never negative'),
    }),
    expiringSoon: z.array(z.object({ nik: z.string(), name: z.string().optional(), coverageEnd: z.string() })),
    lastVerifiedAt: z.string().nullable().describe("Latest time of BPJS's data among the checked workers"),
  })
  .meta({ id: 'Compliance' });
