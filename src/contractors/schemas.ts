import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema } from '../http/pagination.ts';
import { digitStringSchema, nibSchema, npwpSchema } from '../http/schemas.ts';

export const contractorNameSchema = z.string().trim().min(3).max(300).describe('Registered business name');
export const employerNumberSchema = digitStringSchema('BPJS employer number (NPP): digits');

export const createContractorBody = z.strictObject({
  name: contractorNameSchema,
  nib: nibSchema,
  npwp: npwpSchema,
  bpjsEmployerNumber: employerNumberSchema.optional(),
});
export type CreateContractor = z.output<typeof createContractorBody>;

export const contractorSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    nib: z.string().describe('13-digit business number'),
    npwp: z.string().describe('Tax number, digits only; a NIK-form NPWP is masked for finance'),
    bpjsEmployerNumber: z.string().nullable(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: 'Contractor' });
export type Contractor = z.infer<typeof contractorSchema>;

export const listContractorsQuery = z.object({
  q: z.string().trim().min(1).max(200).optional().describe('Part of the name, or the start of the NIB'),
  limit: limitSchema,
  cursor: cursorSchema,
});
export type ListContractorsQuery = z.infer<typeof listContractorsQuery>;

export const contractorPageSchema = pageSchema(contractorSchema);
