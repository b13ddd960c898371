import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { migrationsApplied } from './repository.ts';

const health = z.object({ status: z.literal('ok') });
const readiness = z.object({ status: z.enum(['ok', 'unavailable']), database: z.enum(['ok', 'unavailable']), migrations: z.enum(['ok', 'pending', 'unknown']) });

export const opsRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get('/healthz', {
    config: { public: true, limits: 'health' },
    schema: { operationId: 'healthz', tags: ['operations'], summary: 'Liveness: the process is up', security: [], response: { 200: health } },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    config: { public: true, limits: 'health' },
    schema: {
      operationId: 'readyz', tags: ['operations'], summary: 'Readiness: database reachable and migrated (the BPJS upstream is not checked)', security: [],
      response: { 200: readiness, 503: readiness },
    },
  }, async (_request, reply) => {
    try {
      if (!(await migrationsApplied(ctx.database.db))) return reply.code(503).send({ status: 'unavailable' as const, database: 'ok' as const, migrations: 'pending' as const });
      return { status: 'ok' as const, database: 'ok' as const, migrations: 'ok' as const };
    } catch {
      return reply.code(503).send({ status: 'unavailable' as const, database: 'unavailable' as const, migrations: 'unknown' as const });
    }
  });
};
