import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { correctionBody, correctionListQuery, correctionPageSchema, correctionSchema } from './corrections-schemas.ts';
import { createCorrectionService } from './corrections-service.ts';
import { assignmentParams } from './schemas.ts';

// Corrections rewrite what a payment checks, so they are for the people accountable for the
// roster (the project's OPD, admin) and readable by those who audit it; finance never sees them.
const CORRECTORS = ['admin', 'opd'] as const;
const READERS = ['admin', 'inspector', 'opd'] as const;

export const correctionRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createCorrectionService(ctx);

  app.post('/v1/projects/:id/workers/:assignmentId/corrections', {
    config: { roles: CORRECTORS },
    schema: {
      operationId: 'correctAssignment', tags: ['roster'], summary: 'Correct an assignment\'s dates or cancel it, with a reason',
      description: [
        'Records a start or departure that really happened on another day, or that the worker never worked here',
        '(`cancelled: true`). The assignment takes the given dates at once and loses its reported dates, so it is',
        'checked over the corrected span from now on. Audited as `roster.assignment_corrected` with the reason.',
      ].join(' '),
      params: assignmentParams,
      body: correctionBody,
      response: { 201: correctionSchema, ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422) },
    },
  }, async (request, reply) =>
    reply.code(201).send(await service.correct(requestMeta(request), request.params.id, request.params.assignmentId, request.body)));

  app.get('/v1/roster-corrections', {
    config: { roles: READERS },
    schema: {
      operationId: 'listRosterCorrections', tags: ['roster'], summary: 'Corrections of assignments, newest first',
      description: 'Inspector and admin see every OPD\'s corrections; OPD staff their own OPD\'s only.',
      querystring: correctionListQuery,
      response: { 200: correctionPageSchema, ...errorResponses(401, 403, 422) },
    },
  }, async (request) => service.list(requestMeta(request), request.query));
};
