import { z } from 'zod';

export const opdCodeSchema = z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'an OPD code: 2-32 capital letters, digits or _').describe('OPD code, e.g. DPUPR');
export const opdSchema = z.object({ code: opdCodeSchema, name: z.string() }).meta({ id: 'Opd' });
export const createOpdBody = z.strictObject({ code: opdCodeSchema, name: z.string().trim().min(3).max(200) });
export type CreateOpd = z.infer<typeof createOpdBody>;
