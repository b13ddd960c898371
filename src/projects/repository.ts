import { and, asc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';
import { contractors, projects } from '../db/schema/index.ts';
import type { CreatedAtIdCursor } from '../http/pagination.ts';

const columns = {
  id: projects.id,
  code: projects.code,
  name: projects.name,
  opdCode: projects.opdCode,
  contractorId: projects.contractorId,
  fundingSource: projects.fundingSource,
  fiscalYear: projects.fiscalYear,
  contractNumber: projects.contractNumber,
  contractValue: projects.contractValue,
  vatPercent: projects.vatPercent,
  startDate: projects.startDate,
  endDate: projects.endDate,
  maintenanceEndDate: projects.maintenanceEndDate,
  bpjsRegistrationNumber: projects.bpjsRegistrationNumber,
  bpjsPremiumPaid: projects.bpjsPremiumPaid,
  createdAt: projects.createdAt,
  updatedAt: projects.updatedAt,
};
const contractorColumns = { id: contractors.id, name: contractors.name, bpjsEmployerNumber: contractors.bpjsEmployerNumber };

export type ProjectValues = Omit<typeof projects.$inferInsert, 'id' | 'createdAt' | 'updatedAt'>;
/** A stored project as the database gives it (numeric vatPercent arrives as text, e.g. "11.00"). */
export type ProjectRow = Awaited<ReturnType<typeof insertProject>>;
export type ContractorSummary = { id: string; name: string; bpjsEmployerNumber: string | null };

export async function insertProject(db: Executor, values: ProjectValues) {
  const [row] = await db.insert(projects).values(values).returning(columns);
  if (!row) throw new Error('insert returned no row');
  return row;
}

export async function updateProject(db: Executor, id: string, values: Partial<ProjectValues>): Promise<ProjectRow> {
  const [row] = await db.update(projects).set({ ...values, updatedAt: sql`now()` }).where(eq(projects.id, id)).returning(columns);
  if (!row) throw new Error('update returned no row');
  return row;
}

/** The project and its contractor; `forUpdate` locks the project row until the transaction ends. */
export async function findProject(db: Executor, id: string, options: { forUpdate?: boolean } = {}) {
  const query = db.select({ ...columns, contractor: contractorColumns }).from(projects).innerJoin(contractors, eq(contractors.id, projects.contractorId)).where(eq(projects.id, id));
  const [row] = await (options.forUpdate ? query.for('update', { of: projects }) : query);
  return row ?? null;
}

export async function findContractorSummary(db: Executor, id: string): Promise<ContractorSummary | null> {
  const [row] = await db.select(contractorColumns).from(contractors).where(eq(contractors.id, id));
  return row ?? null;
}

export interface ProjectFilter {
  /** Every listed OPD code must match (a caller's scope and their filter may both apply). */
  opdCodes: string[];
  q?: string | undefined;
  limit: number;
  after?: CreatedAtIdCursor | undefined;
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** One page in (created_at, id) order; fetches limit + 1 rows so the caller knows whether more follow. */
export function listProjects(db: Executor, filter: ProjectFilter) {
  const where: SQL[] = filter.opdCodes.map((code) => eq(projects.opdCode, code));
  if (filter.q !== undefined) {
    const q = `%${escapeLike(filter.q)}%`;
    where.push(or(ilike(projects.code, q), ilike(projects.name, q), ilike(projects.contractNumber, q)) as SQL);
  }
  if (filter.after) {
    where.push(sql`(${projects.createdAt}, ${projects.id}) > (${filter.after[0]}::timestamptz, ${filter.after[1]}::uuid)`);
  }
  return db
    .select({
      ...columns,
      contractor: contractorColumns,
      cursorAt: sql<string>`to_char(${projects.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(projects)
    .innerJoin(contractors, eq(contractors.id, projects.contractorId))
    .where(and(...where))
    .orderBy(asc(projects.createdAt), asc(projects.id))
    .limit(filter.limit + 1);
}

/** Whether the project ever had an APPROVED decision (voided or not): its contract value is then settled. */
export async function hasApprovedDecision(db: Executor, projectId: string): Promise<boolean> {
  const found = await rows(db, sql`select 1 from disbursements where project_id = ${projectId} and decision = 'APPROVED' limit 1`);
  return found.length > 0;
}
