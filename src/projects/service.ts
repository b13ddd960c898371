import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { hasRole } from '../http/auth.ts';
import { createdAtIdCursor, decodeCursor, encodeCursor } from '../http/pagination.ts';
import { AppError, validationFailed, type FieldError } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { findOpd } from '../opds/repository.ts';
import { computePremium } from '../policy/premium.ts';
import { assertVisible, canManageProject, opdScope } from './access.ts';
import { findContractorSummary, findProject, hasApprovedDecision, insertProject, listProjects, updateProject, type ContractorSummary, type ProjectRow, type ProjectValues } from './repository.ts';
import { dateOrderErrors, type CreateProject, type ListProjectsQuery, type PatchProject, type Project } from './schemas.ts';

type Stored = Omit<Project, 'id' | 'contractor' | 'premium' | 'createdAt' | 'updatedAt'>;

/** The stored fields as the API speaks them (vatPercent "11.00" -> 11); also what audit events record. */
function storedFields(row: ProjectRow): Stored {
  return {
    code: row.code,
    name: row.name,
    opdCode: row.opdCode,
    contractorId: row.contractorId,
    fundingSource: row.fundingSource as Project['fundingSource'],
    fiscalYear: row.fiscalYear,
    contractNumber: row.contractNumber,
    contractValue: row.contractValue,
    // numeric(5,2) text has at most 2 decimals, so Number() gives the same value a JSON parser would.
    vatPercent: Number(row.vatPercent),
    startDate: row.startDate,
    endDate: row.endDate,
    maintenanceEndDate: row.maintenanceEndDate,
    bpjsRegistrationNumber: row.bpjsRegistrationNumber,
    bpjsPremiumPaid: row.bpjsPremiumPaid,
  };
}

// The premium is derived from the current value and VAT every time, so an addendum needs no recompute step.
function requiredPremium(contractValue: number, vatPercent: string | number) {
  const { jkk, jkm, total } = computePremium(contractValue, vatPercent);
  return { jkk, jkm, total };
}

function toProject(row: ProjectRow, contractor: ContractorSummary): Project {
  return {
    id: row.id,
    ...storedFields(row),
    contractor,
    premium: { required: requiredPremium(row.contractValue, row.vatPercent) },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Both unique indexes decide conflicts, so two racing requests cannot both succeed. */
function mapConflict(err: unknown, input: { code?: string; bpjsRegistrationNumber?: string | null }): never {
  if (isUniqueViolation(err, 'projects_code_unique')) {
    throw new AppError('PROJECT_EXISTS', { detail: { id: `Paket dengan kode ${input.code} sudah terdaftar`, en: `A project with code ${input.code} is already registered` } });
  }
  if (isUniqueViolation(err, 'projects_bpjs_registration_number_unique')) {
    throw new AppError('REGISTRATION_NUMBER_TAKEN', {
      detail: { id: `Nomor pendaftaran BPJS ${input.bpjsRegistrationNumber} sudah dipakai paket lain`, en: `BPJS registration number ${input.bpjsRegistrationNumber} is used by another project` },
    });
  }
  throw err;
}

const unknownOpd = (code: string): FieldError => ({ path: 'opdCode', message: `no OPD with code ${code}` });
const unknownContractor = (id: string): FieldError => ({ path: 'contractorId', message: `no contractor with id ${id}` });

function toValues(input: Partial<Stored>): Partial<ProjectValues> {
  const { vatPercent, ...rest } = input;
  return { ...rest, ...(vatPercent !== undefined ? { vatPercent: String(vatPercent) } : {}) };
}

export function createProjectService(ctx: AppContext) {
  const { db } = ctx.database;

  async function lookupContractor(tx: Tx, id: string, errors: FieldError[]) {
    const contractor = await findContractorSummary(tx, id);
    if (!contractor) errors.push(unknownContractor(id));
    return contractor;
  }

  return {
    create: (meta: RequestMeta, input: CreateProject) =>
      db.transaction(async (tx) => {
        const errors: FieldError[] = [];
        // OPD staff registering for another OPD get a 422 on opdCode rather than a 403: they may
        // register projects, this value is what is wrong, and it is listed with every other problem.
        if (!hasRole(meta.auth, 'admin') && input.opdCode !== meta.auth.opd) {
          errors.push({ path: 'opdCode', message: `OPD staff may register projects only for their own OPD (${meta.auth.opd})` });
        } else if (!(await findOpd(tx, input.opdCode))) {
          errors.push(unknownOpd(input.opdCode));
        }
        const contractor = await lookupContractor(tx, input.contractorId, errors);
        if (errors.length > 0 || !contractor) throw validationFailed(errors);

        const row = await insertProject(tx, toValues(input) as ProjectValues).catch((err: unknown) => mapConflict(err, input));
        await appendAudit(tx, {
          actor: meta.actor, action: 'project.created', entityType: 'project', entityId: row.id,
          data: storedFields(row), requestId: meta.requestId,
        }, ctx.clock);
        return toProject(row, contractor);
      }),

    get: async (meta: RequestMeta, id: string) => {
      const row = assertVisible(meta.auth, await findProject(db, id));
      return toProject(row, row.contractor);
    },

    list: async (meta: RequestMeta, query: ListProjectsQuery) => {
      const scope = opdScope(meta.auth);
      const opdCodes = [scope, query.opdCode].filter((c): c is string => typeof c === 'string');
      const rows = await listProjects(db, { opdCodes, q: query.q, limit: query.limit, after: decodeCursor(query.cursor, createdAtIdCursor) });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => toProject(r, r.contractor)),
        nextCursor: rows.length > query.limit && last ? encodeCursor([last.cursorAt, last.id]) : null,
      };
    },

    update: (meta: RequestMeta, id: string, patch: PatchProject) =>
      db.transaction(async (tx) => {
        const { addendumRef, ...input } = patch;
        // Locked so concurrent edits merge one after the other and the cross-field checks hold.
        const row = assertVisible(meta.auth, await findProject(tx, id, { forUpdate: true }));
        if (!canManageProject(meta.auth, row.opdCode)) throw new AppError('FORBIDDEN');
        const before = storedFields(row);
        const errors: FieldError[] = [];

        if (input.opdCode !== undefined && input.opdCode !== row.opdCode) {
          if (!hasRole(meta.auth, 'admin')) errors.push({ path: 'opdCode', message: 'OPD staff cannot move a project to another OPD' });
          else if (!(await findOpd(tx, input.opdCode))) errors.push(unknownOpd(input.opdCode));
        }
        let contractor = row.contractor;
        if (input.contractorId !== undefined && input.contractorId !== row.contractorId) {
          contractor = (await lookupContractor(tx, input.contractorId, errors)) ?? contractor;
        }
        const after: Stored = { ...before, ...input };
        errors.push(...dateOrderErrors(after, {
          start: input.startDate !== undefined && input.endDate === undefined,
          maintenance: !(input.endDate !== undefined && input.maintenanceEndDate === undefined),
        }));
        // Change 12: once money was approved against the contract, its value changes only by addendum.
        if (after.contractValue !== before.contractValue && addendumRef === undefined && (await hasApprovedDecision(tx, id))) {
          errors.push({ path: 'addendumRef', message: 'the project has an approved payment: a change of contractValue needs the addendum\'s number (addendumRef)' });
        }
        if (errors.length > 0) throw validationFailed(errors);

        const changes: Record<string, { before: unknown; after: unknown }> = {};
        const values: Partial<Stored> = {};
        for (const key of Object.keys(input) as Array<keyof typeof input>) {
          if (after[key] === before[key]) continue;
          changes[key] = { before: before[key], after: after[key] };
          Object.assign(values, { [key]: after[key] });
        }
        // Nothing differs: no write, no event, updatedAt stays.
        if (Object.keys(changes).length === 0) return toProject(row, contractor);

        const updated = await updateProject(tx, id, toValues(values)).catch((err: unknown) => mapConflict(err, after));
        const premiumBefore = requiredPremium(before.contractValue, before.vatPercent).total;
        const premiumAfter = requiredPremium(after.contractValue, after.vatPercent).total;
        await appendAudit(tx, {
          actor: meta.actor, action: 'project.updated', entityType: 'project', entityId: id,
          data: { changes, ...(addendumRef !== undefined ? { addendumRef } : {}), ...(premiumBefore !== premiumAfter ? { premiumRequiredTotal: { before: premiumBefore, after: premiumAfter } } : {}) },
          requestId: meta.requestId,
        }, ctx.clock);
        return toProject(updated, contractor);
      }),
  };
}
