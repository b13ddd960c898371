import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { cursorSchema, decodeCursor, encodeCursor, limitSchema, pageSchema } from '../http/pagination.ts';
import { errorResponses } from '../http/problem.ts';
import { dateOrInstantSchema } from '../http/schemas.ts';
import { listAccess } from './access-repository.ts';

const accessQuery = z.object({
  from: dateOrInstantSchema.optional().describe('Reads at or after: a date means from the start of that local day'),
  to: dateOrInstantSchema.optional().describe('Reads at or before: a date means to the end of that local day'),
  sub: z.string().min(1).max(255).optional().describe('Only reads by this token subject'),
  limit: limitSchema,
  cursor: cursorSchema,
});

const accessEntrySchema = z
  .object({
    id: z.number().int().describe('Increases with each entry written'),
    at: z.string().describe('When the read was answered (RFC 3339, UTC)'),
    actor: z.object({ sub: z.string(), roles: z.array(z.string()), opd: z.string().nullable() }),
    route: z.string().describe('Method and route template, e.g. `GET /v1/projects/:id/workers`'),
    count: z.number().int().describe('How many people\'s personal data the answer showed'),
    requestId: z.string().nullable(),
  })
  .meta({ id: 'AccessLogEntry' });

/** GET /v1/audit/access: who read personal data, when, through which route (never which person). */
export const accessLogRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/v1/audit/access', {
    config: { roles: ['inspector', 'admin'] },
    schema: {
      operationId: 'listAccessLog', tags: ['audit'], summary: 'The access log of personal-data reads (inspector, admin)',
      description: [
        'One entry per read that showed personal data (roster lists, membership search, decision evidence with full',
        'NIKs), oldest first. Entries are written in batches within 5 s of the read and hold no NIK or name. This log',
        'is apart from the audit hash chain (reads stay fast); exports of the chain are recorded in the chain itself.',
      ].join(' '),
      querystring: accessQuery,
      response: { 200: pageSchema(accessEntrySchema), ...errorResponses(401, 403, 422) },
    },
  }, async (request) => {
    const q = request.query;
    const afterId = decodeCursor(q.cursor, z.number().int().min(0));
    const found = await listAccess(ctx.database.db, { from: q.from, to: q.to, sub: q.sub, timeZone: ctx.config.LOCAL_TIMEZONE, afterId, limit: q.limit + 1 });
    const page = found.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({ id: Number(r.id), at: r.at, actor: r.actor, route: r.route, count: r.count, requestId: r.request_id })),
      nextCursor: found.length > q.limit && last ? encodeCursor(Number(last.id)) : null,
    };
  });
};
