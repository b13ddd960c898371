import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { migrationsApplied } from './repository.ts';

const health = z.object({ status: z.literal('ok') });
const dbState = z.enum(['ok', 'read-only', 'down']).describe('ok: a host takes writes; read-only: hosts answer but none is writable (a failover in progress); down: none answers');
const readiness = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: dbState,
  host: z.string().nullable().describe('host:port the service writes to (or that answered read-only); `embedded` for PGlite; never a password'),
  migrations: z.enum(['ok', 'pending', 'unknown']),
  read: z.object({ database: dbState, host: z.string().nullable() }).optional().describe('the DATABASE_READ_URL pool, when set; reads fall back to the primary while it is down'),
});

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
    const read = ctx.database.readStatus();
    const extra = read ? { read } : {};
    try {
      const applied = await migrationsApplied(ctx.database.db);
      // Read after the query, which may have just found the host (after a failover).
      const { host } = ctx.database.status();
      if (!applied) return reply.code(503).send({ status: 'unavailable' as const, database: 'ok' as const, host, migrations: 'pending' as const, ...extra });
      return { status: 'ok' as const, database: 'ok' as const, host, migrations: 'ok' as const, ...extra };
    } catch {
      // The query failed: the connector says whether some host still answers (read-only) or none does.
      const s = ctx.database.status();
      const database = s.database === 'ok' ? ('down' as const) : s.database;
      return reply.code(503).send({ status: 'unavailable' as const, database, host: s.host, migrations: 'unknown' as const, ...extra });
    }
  });
};
