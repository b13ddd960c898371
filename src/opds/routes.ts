import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { createOpdBody, opdSchema } from './schemas.ts';
import { createOpdService } from './service.ts';

export const opdRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createOpdService(ctx);

  app.get('/v1/opds', {
    schema: {
      operationId: 'listOpds', tags: ['reference data'], summary: 'List OPDs (organisational units)',
      response: { 200: z.object({ items: z.array(opdSchema) }) },
    },
  }, async () => ({ items: await service.list() }));

  app.post('/v1/opds', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'createOpd', tags: ['reference data'], summary: 'Add an OPD (admin)',
      body: createOpdBody,
      response: { 201: opdSchema, ...errorResponses(409) },
    },
  }, async (request, reply) => reply.code(201).send(await service.create(requestMeta(request), request.body)));
};
