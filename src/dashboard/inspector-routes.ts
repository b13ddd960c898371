// The Inspektorat's routes (admin too): decisions with evidence, receipt and replay; the audit
// chain's verification and its exports. The same services and role lists as the API's routes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Role } from '../http/auth.ts';
import { eventsQuery } from '../audit/schemas.ts';
import { AppError } from '../http/problem.ts';
import { metaOf, pageCtx, sendPage } from './context.ts';
import { auditPage, decisionPage, decisionsPage, replayFragment, verifyChainFragment } from './pages-inspector.ts';
import { requireRoles } from './project-routes.ts';
import type { DashboardService } from './service.ts';

const DECISION_READERS: Role[] = ['finance', 'opd', 'inspector', 'admin'];
const AUDITORS: Role[] = ['inspector', 'admin'];

const decisionsQuery = z.object({
  decision: z.enum(['APPROVED', 'BLOCKED']).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

function decisionId(request: FastifyRequest): string {
  const parsed = z.object({ id: z.uuid() }).safeParse(request.params);
  if (!parsed.success) throw new AppError('NOT_FOUND', { detail: { id: 'Keputusan pencairan tidak ditemukan', en: 'Disbursement decision not found' } });
  return parsed.data.id;
}

export function registerInspectorRoutes(app: FastifyInstance, { ctx, service }: { ctx: AppContext; service: DashboardService }): void {
  const tz = ctx.config.LOCAL_TIMEZONE;

  app.get('/decisions', async (request, reply) => {
    requireRoles(request, DECISION_READERS);
    const q = decisionsQuery.parse(request.query);
    let page;
    try {
      page = await service.decisions.list(metaOf(request), { decision: q.decision, cursor: q.cursor, limit: 50, projectId: undefined, from: undefined, to: undefined });
    } catch (err) {
      // A cursor that is not ours: start from the first page.
      if (!(err instanceof AppError) || err.status !== 422) throw err;
      page = await service.decisions.list(metaOf(request), { decision: q.decision, cursor: undefined, limit: 50, projectId: undefined, from: undefined, to: undefined });
    }
    const query = q.decision ? `decision=${q.decision}` : '';
    return sendPage(reply, decisionsPage(pageCtx(request, tz), page.items, { decision: q.decision, next: page.nextCursor, query }));
  });

  app.get('/decisions/:id', async (request, reply) => {
    requireRoles(request, DECISION_READERS);
    return sendPage(reply, decisionPage(pageCtx(request, tz), await service.decisions.get(metaOf(request), decisionId(request))));
  });

  app.get('/decisions/:id/replay', async (request, reply) => {
    requireRoles(request, DECISION_READERS);
    return sendPage(reply, replayFragment(pageCtx(request, tz), await service.decisions.replay(metaOf(request), decisionId(request))));
  });

  app.get('/decisions/:id/receipt.jws', async (request, reply) => {
    requireRoles(request, DECISION_READERS);
    const id = decisionId(request);
    const { jws } = await service.receipt(metaOf(request), id);
    return reply
      .header('content-type', 'application/jose; charset=utf-8')
      .header('content-disposition', `attachment; filename="gerbang-receipt-${id}.jws"`)
      .header('cache-control', 'no-store')
      .send(jws);
  });

  app.get('/audit', async (request, reply) => {
    requireRoles(request, AUDITORS);
    return sendPage(reply, auditPage(pageCtx(request, tz)));
  });

  app.get('/audit/verify', async (request, reply) => {
    requireRoles(request, AUDITORS);
    return sendPage(reply, verifyChainFragment(pageCtx(request, tz), await service.audit.verify({ fromSeq: 1 })));
  });

  for (const format of ['csv', 'ndjson'] as const) {
    app.get(`/audit/export.${format}`, async (request, reply) => {
      requireRoles(request, AUDITORS);
      const { body } = await service.audit.stream(metaOf(request), eventsQuery.parse({}), format);
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="gerbang-audit.${format}"`)
        .header('cache-control', 'no-store')
        .send(body);
    });
  }

  app.get('/audit/checkpoint.json', async (request, reply) => {
    requireRoles(request, AUDITORS);
    return reply
      .header('content-disposition', 'attachment; filename="gerbang-checkpoint.json"')
      .header('cache-control', 'no-store')
      .send(await service.audit.checkpoint());
  });
}
