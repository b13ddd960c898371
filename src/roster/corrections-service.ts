import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { createdAtIdCursor, decodeCursor, encodeCursor } from '../http/pagination.ts';
import { AppError, validationFailed } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { canManageProject, opdScope, projectNotFound } from '../projects/access.ts';
import { applyCorrection, listCorrections } from './corrections-repository.ts';
import type { CorrectionBody, CorrectionListQuery, CorrectionSpan } from './corrections-schemas.ts';
import { findAssignment, findProject } from './repository.ts';

const assignmentNotFound = (): AppError =>
  new AppError('NOT_FOUND', { detail: { id: 'Penugasan tidak ditemukan pada paket ini', en: 'No assignment with this id on this project' } });

const isDate = (v: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(v);
const bound = (v: string | undefined) => (v === undefined ? undefined : isDate(v) ? { date: v } : { instant: v });

export function createCorrectionService(ctx: AppContext) {
  const { db } = ctx.database;
  return {
    /** Takes effect in one step: new dates (or cancelled), reported dates cleared, audited with the reason. */
    correct: (meta: RequestMeta, projectId: string, assignmentId: string, body: CorrectionBody) =>
      db.transaction(async (tx) => {
        const project = await findProject(tx, projectId, true);
        if (!project || !canManageProject(meta.auth, project.opdCode)) throw projectNotFound();
        const a = await findAssignment(tx, projectId, assignmentId);
        if (!a) throw assignmentNotFound();
        if (a.cancelled) {
          throw new AppError('ASSIGNMENT_CANCELLED', {
            detail: { id: 'Penugasan yang dibatalkan tidak dapat dikoreksi lagi', en: 'A cancelled assignment cannot be corrected again' },
          });
        }
        const before: CorrectionSpan = {
          startDate: a.startDate, endDate: a.endDate, reportedStartDate: a.reportedStartDate, reportedEndDate: a.reportedEndDate, cancelled: false,
        };
        const after: CorrectionSpan = {
          startDate: body.startDate ?? a.startDate, endDate: body.endDate ?? a.endDate,
          reportedStartDate: null, reportedEndDate: null, cancelled: body.cancelled === true,
        };
        if (after.endDate !== null && after.endDate < after.startDate) {
          throw validationFailed([{ path: body.endDate !== undefined ? 'endDate' : 'startDate', message: 'the corrected endDate must be on or after startDate' }]);
        }
        const by = meta.auth.sub;
        const { id, correctedAt } = await applyCorrection(tx, { projectId, assignmentId, before, after, reason: body.reason, now: ctx.clock(), by });
        await appendAudit(tx, {
          actor: meta.actor, action: 'roster.assignment_corrected', entityType: 'assignment', entityId: assignmentId,
          data: { projectId, correctionId: id, worker: ctx.pseudonymize(a.nik), before, after, reason: body.reason },
          requestId: meta.requestId,
        }, ctx.clock);
        return { id, assignmentId, before, after, reason: body.reason, correctedAt, correctedBy: by };
      }),

    /** Inspector and admin see every OPD's; OPD staff only their own OPD's, whatever opdCode says. */
    async list(meta: RequestMeta, q: CorrectionListQuery) {
      const own = opdScope(meta.auth);
      if (own !== null && q.opdCode !== undefined && q.opdCode !== own) return { items: [], nextCursor: null };
      const found = await listCorrections(db, {
        opdCode: own ?? q.opdCode, projectId: q.projectId, from: bound(q.from), to: bound(q.to), timeZone: ctx.config.LOCAL_TIMEZONE,
        after: decodeCursor(q.cursor, createdAtIdCursor), limit: q.limit,
      });
      const page = found.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map(({ cursorAt: _cursor, ...item }) => item),
        nextCursor: found.length > q.limit && last ? encodeCursor([last.cursorAt, last.id]) : null,
      };
    },
  };
}
