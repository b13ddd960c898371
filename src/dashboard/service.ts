// What the pages need, assembled from the same services the API routes call (so the access rules,
// the personal-data view and the audit events are theirs), plus the overview's aggregates.
import type { AppContext } from '../context.ts';
import { createAuditService } from '../audit/service.ts';
import { createContractorService } from '../contractors/service.ts';
import type { Gate } from '../disbursements/gate.ts';
import { createDisbursementService } from '../disbursements/service.ts';
import { hasRole } from '../http/auth.ts';
import { AppError } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { createOpdService } from '../opds/service.ts';
import { createComplianceService } from '../projects/compliance.ts';
import { createProjectService } from '../projects/service.ts';
import { createVerifyService } from '../projects/verify.ts';
import { createRosterService } from '../roster/service.ts';
import { approvedStages, contractorsMostBlocked, decisionsByWeek, topBlockReasons } from './repository.ts';

export type Compliance = Awaited<ReturnType<ReturnType<typeof createComplianceService>['check']>>;

/** The stage a PPK would request next, from the stages already approved. */
export function nextStage(approved: readonly string[]): string | null {
  const set = new Set(approved);
  if (set.has('PELUNASAN')) return set.has('RETENSI') ? null : 'RETENSI';
  const termins = approved.map((s) => /^TERMIN_(\d+)$/.exec(s)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  if (termins.length > 0) return `TERMIN_${Math.max(...termins) + 1}`;
  return set.has('UANG_MUKA') ? 'TERMIN_1' : 'UANG_MUKA';
}

/** Monday of the week `weeks` weeks before the week of `today` (YYYY-MM-DD). */
export function weeksBack(today: string, weeks: number): string {
  const d = new Date(`${today}T00:00:00Z`);
  const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
  return new Date(monday.getTime() - weeks * 7 * 86_400_000).toISOString().slice(0, 10);
}

export const OVERVIEW_WEEKS = 12;
const PAGE_PROJECTS = 100;

/** `gate`: the app's one gate, so the pages' dry runs share the decisions' roster cache. */
export function createDashboardService(ctx: AppContext, gate: Gate) {
  const { db } = ctx.database;
  const projects = createProjectService(ctx);
  const roster = createRosterService(ctx);
  const compliance = createComplianceService(ctx, gate);
  const verify = createVerifyService(ctx, gate);
  const decisions = createDisbursementService(ctx, gate);
  const audit = createAuditService(ctx);
  const contractors = createContractorService(ctx);
  const opds = createOpdService(ctx);

  const requireAuditor = (meta: RequestMeta) => {
    if (!hasRole(meta.auth, 'inspector', 'admin')) throw new AppError('FORBIDDEN');
  };

  return {
    projects,
    roster,
    verify,
    decisions,
    audit,
    contractors,
    opds,
    receipt: (meta: RequestMeta, id: string) => decisions.receipt(meta, id),

    /** The caller's projects, each with today's dry run and the stage that comes next. */
    async projectsAtGlance(meta: RequestMeta, filter: { opdCode?: string | undefined; q?: string | undefined }) {
      const page = await projects.list(meta, { opdCode: filter.opdCode, q: filter.q, limit: PAGE_PROJECTS, cursor: undefined });
      const stages = await approvedStages(db, page.items.map((p) => p.id));
      const items = await Promise.all(page.items.map(async (project) => ({
        project,
        compliance: await compliance.check(meta, project.id, { final: false }),
        nextStage: nextStage(stages.get(project.id) ?? []),
      })));
      return { items, more: page.nextCursor !== null };
    },

    /** One project with its dry run, its roster (ended assignments too) and its latest decisions. */
    async projectDetail(meta: RequestMeta, id: string) {
      const project = await projects.get(meta, id);
      const canSeeRoster = hasRole(meta.auth, 'opd', 'inspector', 'admin');
      const [check, workers, latest, stages] = await Promise.all([
        compliance.check(meta, id, { final: false }),
        canSeeRoster ? roster.list(meta, id, true) : Promise.resolve([]),
        decisions.list(meta, { projectId: id, limit: 10, decision: undefined, from: undefined, to: undefined, cursor: undefined }),
        approvedStages(db, [id]),
      ]);
      return { project, compliance: check, workers, decisions: latest.items, nextStage: nextStage(stages.get(id) ?? []) };
    },

    /** The Inspektorat's picture of the last weeks: decisions over time, reasons, contractors. */
    async overview(meta: RequestMeta, opdCode: string | undefined) {
      requireAuditor(meta);
      const from = weeksBack(ctx.today(), OVERVIEW_WEEKS - 1);
      const q = { from, timeZone: ctx.config.LOCAL_TIMEZONE, opdCode };
      const [weeks, reasons, worst, opdList] = await Promise.all([
        decisionsByWeek(db, q),
        topBlockReasons(db, { ...q, limit: 8 }),
        contractorsMostBlocked(db, { ...q, limit: 10 }),
        opds.list(),
      ]);
      return { from, today: ctx.today(), weeks, reasons, contractors: worst, opds: opdList };
    },
  };
}
export type DashboardService = ReturnType<typeof createDashboardService>;
