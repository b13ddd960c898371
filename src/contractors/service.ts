import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import type { AuthContext } from '../http/auth.ts';
import { createdAtIdCursor, decodeCursor, encodeCursor } from '../http/pagination.ts';
import { AppError, notFound } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { maskNik } from '../policy/identifiers.ts';
import { seesContractorNik } from './access.ts';
import { findContractor, insertContractor, listContractors, type ContractorRow } from './repository.ts';
import type { Contractor, CreateContractor, ListContractorsQuery } from './schemas.ts';

// A 16-digit NPWP that does not start with 0 is an individual's NIK (contract, identifiers).
const isNikNpwp = (npwp: string): boolean => npwp.length === 16 && !npwp.startsWith('0');

/** A sole trader's NPWP is their NIK: masked unless the caller may see it (access.ts). */
function toContractor(row: ContractorRow, auth: AuthContext): Contractor {
  const npwp = isNikNpwp(row.npwp) && !seesContractorNik(auth) ? maskNik(row.npwp) : row.npwp;
  return { id: row.id, name: row.name, nib: row.nib, npwp, bpjsEmployerNumber: row.bpjsEmployerNumber, createdAt: row.createdAt.toISOString() };
}

export const contractorNotFound = (): AppError => notFound({ id: 'Penyedia jasa tidak ditemukan', en: 'Contractor not found' });

export function createContractorService(ctx: AppContext) {
  const { db } = ctx.database;
  return {
    create: (meta: RequestMeta, input: CreateContractor) =>
      db.transaction(async (tx) => {
        const row = await insertContractor(tx, input);
        if (!row) {
          throw new AppError('CONTRACTOR_EXISTS', { detail: { id: `Penyedia dengan NIB ${input.nib} sudah terdaftar`, en: `A contractor with NIB ${input.nib} is already registered` } });
        }
        // The audit log holds no raw NIK: a NIK-form NPWP is recorded as its keyed pseudonym.
        const npwp = isNikNpwp(row.npwp) ? { npwpPseudonym: ctx.pseudonymize(row.npwp) } : { npwp: row.npwp };
        await appendAudit(tx, {
          actor: meta.actor, action: 'contractor.created', entityType: 'contractor', entityId: row.id,
          data: { name: row.name, nib: row.nib, ...npwp, bpjsEmployerNumber: row.bpjsEmployerNumber }, requestId: meta.requestId,
        }, ctx.clock);
        return toContractor(row, meta.auth);
      }),

    get: async (meta: RequestMeta, id: string) => {
      const row = await findContractor(db, id);
      if (!row) throw contractorNotFound();
      return toContractor(row, meta.auth);
    },

    list: async (meta: RequestMeta, query: ListContractorsQuery) => {
      const rows = await listContractors(db, { q: query.q, limit: query.limit, after: decodeCursor(query.cursor, createdAtIdCursor) });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => toContractor(r, meta.auth)),
        nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursorAt, last.id]) : null,
      };
    },
  };
}
