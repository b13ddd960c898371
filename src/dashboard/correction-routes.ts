// Correcting an assignment with a reason (contract 2.1), through the API's own correction service,
// and the corrections list (inspector and admin: every OPD; OPD staff: their own).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Role } from '../http/auth.ts';
import { AppError, type FieldError } from '../http/problem.ts';
import { correctionBody, correctionListQuery } from '../roster/corrections-schemas.ts';
import { createCorrectionService } from '../roster/corrections-service.ts';
import { metaOf, pageCtx, sendPage } from './context.ts';
import { formValues, zodErrors } from './forms.ts';
import { correctionPage, correctionsPage, type CorrectionTarget } from './pages-corrections.ts';
import { requireRoles } from './project-routes.ts';
import type { DashboardService } from './service.ts';

const CORRECTORS: Role[] = ['admin', 'opd'];
const READERS: Role[] = ['admin', 'inspector', 'opd'];
const params = z.object({ id: z.uuid(), assignmentId: z.uuid() });

export function registerCorrectionRoutes(app: FastifyInstance, { ctx, service }: { ctx: AppContext; service: DashboardService }): void {
  const tz = ctx.config.LOCAL_TIMEZONE;
  const corrections = createCorrectionService(ctx);

  async function target(request: FastifyRequest): Promise<CorrectionTarget> {
    const p = params.safeParse(request.params);
    const missing = () => new AppError('NOT_FOUND', { detail: { id: 'Penugasan tidak ditemukan pada paket ini', en: 'No assignment with this id on this project' } });
    if (!p.success) throw missing();
    const meta = metaOf(request);
    const project = await service.projects.get(meta, p.data.id);
    const w = (await service.roster.list(meta, p.data.id, true)).find((x) => x.assignmentId === p.data.assignmentId);
    if (!w) throw missing();
    return { projectId: project.id, projectCode: project.code, assignmentId: w.assignmentId, name: w.name, nik: w.nik, startDate: w.startDate, endDate: w.endDate };
  }

  app.get('/projects/:id/workers/:assignmentId/correct', async (request, reply) => {
    requireRoles(request, CORRECTORS);
    const w = await target(request);
    return sendPage(reply, correctionPage(pageCtx(request, tz), w, { values: { startDate: w.startDate, endDate: w.endDate ?? '' }, errors: [], problem: null }));
  });

  app.post('/projects/:id/workers/:assignmentId/correct', async (request, reply) => {
    requireRoles(request, CORRECTORS);
    const c = pageCtx(request, tz);
    const w = await target(request);
    const values = formValues(request.body, ['startDate', 'endDate', 'cancelled', 'reason']);
    // Only what the person changed is sent: an unchanged date is not a correction.
    const body: Record<string, unknown> = { reason: values.reason ?? '' };
    if (values.startDate && values.startDate !== w.startDate) body.startDate = values.startDate;
    if (values.endDate && values.endDate !== (w.endDate ?? '')) body.endDate = values.endDate;
    if (values.cancelled === 'true') body.cancelled = true;
    const parsed = correctionBody.safeParse(body);
    let errors: FieldError[];
    let problem: string;
    if (parsed.success) {
      try {
        await corrections.correct(metaOf(request), w.projectId, w.assignmentId, parsed.data);
        return reply.redirect(`/app/projects/${w.projectId}?corrected=1`, 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500 || err.status === 404 || err.status === 403) throw err;
        errors = err.errors ?? [];
        problem = err.detailText?.[c.lang] ?? err.message;
      }
    } else {
      errors = zodErrors(parsed.error);
      problem = c.t('Periksa isian yang ditandai.', 'Check the marked fields.');
    }
    return sendPage(reply, correctionPage(c, w, { values, errors, problem }), 422);
  });

  app.get('/corrections', async (request, reply) => {
    requireRoles(request, READERS);
    const q = z.object({ cursor: z.string().max(500).optional().catch(undefined) }).parse(request.query);
    const query = correctionListQuery.parse({ limit: 100, ...(q.cursor ? { cursor: q.cursor } : {}) });
    let page;
    try {
      page = await corrections.list(metaOf(request), query);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 422) throw err;
      page = await corrections.list(metaOf(request), correctionListQuery.parse({ limit: 100 }));
    }
    return sendPage(reply, correctionsPage(pageCtx(request, tz), page.items, page.nextCursor));
  });
}
