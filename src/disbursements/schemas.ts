import { z } from 'zod';
import { auditEventSchema } from '../audit/schemas.ts';
import { cursorSchema, limitSchema, pageSchema } from '../http/pagination.ts';
import { dateOrInstantSchema, isoDateSchema, moneySchema, uuidSchema } from '../http/schemas.ts';
import { REASON_CODES } from '../policy/index.ts';

export const stageSchema = z
  .string()
  .regex(/^(UANG_MUKA|TERMIN_[1-9][0-9]{0,2}|RETENSI|PELUNASAN)$/, 'UANG_MUKA, TERMIN_<n> (n = 1..999, no leading zero), RETENSI or PELUNASAN')
  .describe('Payment stage: UANG_MUKA (advance), TERMIN_<n> (n-th instalment), RETENSI (retention release) or PELUNASAN (final payment)');

// Printable text: no control, format or line/paragraph separator characters.
const printable = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

export const decisionRequestBody = z
  .strictObject({
    projectId: uuidSchema.optional().describe('The project (exactly one of projectId and projectCode)'),
    projectCode: z.string().min(1).max(100).optional().describe('The project code (exactly one of projectId and projectCode)'),
    stage: stageSchema,
    amount: moneySchema.describe('Amount of this payment, whole rupiah (recorded; the rule does not depend on it)'),
    requestRef: z.string().min(1).max(100).regex(printable, 'printable characters only').describe("The finance system's document number (SPP/SPM)"),
    valueDate: isoDateSchema.optional().describe('Planned payment date (default today, never in the past)'),
    final: z.boolean().optional().describe('The last payment of the contract (default false; always true for PELUNASAN and RETENSI)'),
  })
  .superRefine(
    (body, ctx) => {
      if ((body.projectId === undefined) === (body.projectCode === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['projectId'], message: 'give exactly one of projectId and projectCode' });
      }
    },
    // Also when another field failed, so one answer lists every problem.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );
export type DecisionRequest = z.infer<typeof decisionRequestBody>;

const reasonWorker = z.object({ nik: z.string().describe('Full NIK, or masked (first 6 and last 4 digits) for finance'), name: z.string().optional().describe('Absent for finance') });

export const reasonSchema = z
  .object({
    code: z.enum([...REASON_CODES, 'OVERRIDDEN']),
    severity: z.enum(['block', 'warn']),
    retryable: z.boolean(),
    message: z.string().describe('Bahasa Indonesia, or English with Accept-Language: en'),
    workers: z.array(reasonWorker).optional(),
  })
  .meta({ id: 'DecisionReason' });

export const summarySchema = z.object({
  workersChecked: z.number().int(),
  compliant: z.number().int(),
  nonCompliant: z.number().int(),
  unverified: z.number().int(),
});
export const policySchema = z.object({ id: z.string(), version: z.number().int() });
export const periodSchema = z.object({ from: z.string(), to: z.string() }).describe('The period the payment covers, both ends included');

export const decisionSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    projectCode: z.string(),
    stage: z.string(),
    amount: z.number().int(),
    requestRef: z.string(),
    final: z.boolean().describe('Effective: true for PELUNASAN and RETENSI'),
    decision: z.enum(['APPROVED', 'BLOCKED']),
    reasons: z.array(reasonSchema),
    summary: summarySchema,
    policy: policySchema,
    period: periodSchema,
    valueDate: z.string(),
    decidedAt: z.string().describe('RFC 3339, UTC'),
    auditSeq: z.number().int().nullable().describe('seq of the disbursement.decided audit event'),
    voided: z.object({ at: z.string(), by: z.string(), reason: z.string() }).nullable(),
    overriddenFrom: z.uuid().optional().describe('Only on a decision an approved override created: the BLOCKED decision it releases'),
    override: z.object({ requestId: z.uuid(), requestedBy: z.string(), approvedBy: z.string(), approvedAt: z.string() }).nullable().optional()
      .describe('Who asked for the override and who approved it'),
  })
  .meta({ id: 'Decision' });

const membershipUsed = z.object({
  nik: z.string(),
  kpj: z.string().nullable().optional().describe('Absent for finance'),
  status: z.enum(['ACTIVE', 'INACTIVE']),
  programs: z.array(z.string()),
  coverageStart: z.string(),
  coverageEnd: z.string().nullable(),
  segment: z.enum(['JAKON', 'PU', 'BPU']),
  projectNumber: z.string().nullable(),
  employerNpp: z.string().nullable(),
  asOf: z.string(),
});

export const evidenceEntrySchema = z
  .object({
    assignmentId: z.string(),
    nik: z.string(),
    name: z.string().optional().describe('Absent for finance'),
    kpj: z.string().nullable().optional().describe('The roster KPJ; absent for finance'),
    assignment: z.object({
      startDate: z.string(),
      endDate: z.string().nullable(),
      reportedStartDate: z.string().nullable().optional().describe('Policy v2: the recorded start, when a change moved it later'),
      reportedEndDate: z.string().nullable().optional().describe('Policy v2: the recorded end, when a change moved it earlier'),
    }),
    lookup: z.enum(['FOUND', 'NOT_FOUND', 'UNVERIFIED']).describe('What the gate could establish: a fresh record, a fresh "not known to BPJS", or neither'),
    membership: membershipUsed.nullable().describe('The membership record as used (kept even when too old to count); policy v2: the coverage the judgement rests on'),
    coverages: z.array(membershipUsed.extend({ fresh: z.boolean() })).optional()
      .describe("Policy v2: every coverage of the person considered, fresh or not"),
    verifiedAt: z.string().nullable().describe("Time of BPJS's data for this NIK (asOf)"),
    outcome: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'UNVERIFIED']),
    codes: z.array(z.enum(REASON_CODES)),
  })
  .meta({ id: 'DecisionEvidenceWorker' });

export const registrationEvidenceSchema = z
  .object({
    registrationNumber: z.string().nullable(),
    source: z.enum(['snapshot', 'upstream', 'registration']).describe("registration: policy v2, BPJS's registration record (either provider)"),
    state: z.enum(['FOUND', 'NOT_FOUND', 'UNVERIFIED']).nullable(),
    status: z.enum(['MENDAFTAR', 'PESERTA']).nullable(),
    premiumPaidUpstream: z.number().int().nullable(),
    premiumPaidRecorded: z.number().int(),
    contractValue: z.number().int(),
    vatPercent: z.string(),
    contractorEmployerNpp: z.string().nullable(),
    premiumRequiredUpstream: z.number().int().nullable().optional().describe("Policy v2: BPJS's required premium, when its record gives one"),
    approvedTotal: z.number().int().optional().describe('Policy v2: the APPROVED, unvoided amounts before this request'),
    holidays: z.array(z.string()).optional().describe('Policy v2: the holidays of the years involved, as used for working days'),
    corrections: z.array(z.object({
      id: z.string(), assignmentId: z.string(), correctedOn: z.string(),
      before: z.object({
        startDate: z.string(), endDate: z.string().nullable(), reportedStartDate: z.string().nullable(),
        reportedEndDate: z.string().nullable(), cancelled: z.boolean(),
      }),
    })).optional().describe('Policy v2: the corrections made since the period began'),
  })
  .meta({ id: 'DecisionEvidenceRegistration' });

export const decisionDetailSchema = decisionSchema
  .extend({
    evidence: z.array(evidenceEntrySchema).describe('One entry per worker checked'),
    registration: registrationEvidenceSchema.describe('The project registration data used'),
    evidenceSha256: z.string().describe('SHA-256 of the canonical evidence document (see the README)'),
  })
  .meta({ id: 'DecisionWithEvidence' });

const dateOrInstant = dateOrInstantSchema;

export const listQuery = z.object({
  projectId: uuidSchema.optional(),
  decision: z.enum(['APPROVED', 'BLOCKED']).optional(),
  from: dateOrInstant.optional().describe('decidedAt on or after: a date means from the start of that local day'),
  to: dateOrInstant.optional().describe('decidedAt on or before: a date means to the end of that local day'),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const decisionPageSchema = pageSchema(decisionSchema);

export const voidBody = z.strictObject({
  reason: z.string().trim().min(1).max(500).regex(printable, 'printable characters only').describe('Why the payment did not go ahead (e.g. SPM rejected)'),
});

export const replaySchema = z
  .object({
    matches: z.boolean().describe('Whether re-evaluating the stored evidence gives the stored decision, reasons and summary'),
    evidenceIntact: z.boolean().describe('Whether the stored evidence still hashes to the decision\'s evidenceSha256'),
    decision: z.enum(['APPROVED', 'BLOCKED']).describe('The decision re-evaluated now'),
    reasons: z.array(reasonSchema),
    summary: summarySchema,
    period: periodSchema,
    policy: policySchema,
  })
  .meta({ id: 'DecisionReplay' });

export const receiptSchema = z
  .object({
    jws: z.string().describe(
      'Compact JWS (ES256, kid in the header, typ gerbang-receipt+jws) over { id, project: { id, code }, stage, amount, requestRef, decision, reasonCodes, policy: { id, version }, decidedAt, auditSeq, evidenceSha256, voided, issuedAt, leafIndex, treeSize, leafHash, rootHash, inclusion }; verify with GET /v1/audit/jwks.json, and the whole receipt offline with npm run audit:verify -- --receipt',
    ),
    note: z.string().describe('The signed checkpoint note (C2SP) of treeSize: its root is the receipt\'s rootHash'),
    event: auditEventSchema.describe('The disbursement.decided audit event exactly as hashed: SHA-256(0x00 || its RFC 8785 JSON) is leafHash'),
  })
  .meta({ id: 'DecisionReceipt' });
