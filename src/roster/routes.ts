import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LARGE_JSON_BODY_LIMIT } from '../http/body-limits.ts';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import { bodyFormat, bodyValidatedByRoute, closeUnreadBody, isBodyStream, unsupportedMediaType } from '../http/streaming.ts';
import { assignmentParams, replaceResultSchema, replaceRosterBody, replaceRosterQuery, rosterQuery, rosterSchema, workerInput, workerSchema } from './schemas.ts';
import { createRosterService } from './service.ts';

// A roster is personal data (full NIKs and names) and nothing finance needs to decide on a
// payment: the decision itself reports the workers that block it (masked). So finance gets 403 on
// every roster route rather than a masked copy; OPD staff see their own projects' rosters only.
const READERS = ['admin', 'inspector', 'opd'] as const;
const MANAGERS = ['admin', 'opd'] as const;
const REPLACE_TYPES = ['application/json', 'text/csv'];

export const rosterRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createRosterService(ctx);

  app.get('/v1/projects/:id/workers', {
    config: { roles: READERS },
    schema: {
      operationId: 'listWorkers', tags: ['roster'], summary: 'The project roster with each worker\'s stored BPJS membership',
      description: 'By default the active roster (what a replacement replaces); `includeEnded=true` adds removed assignments.',
      params: idParams,
      querystring: rosterQuery,
      response: { 200: rosterSchema, ...errorResponses(404) },
    },
  }, async (request) => ({ items: await service.list(requestMeta(request), request.params.id, request.query.includeEnded) }));

  app.put('/v1/projects/:id/workers', {
    // A whole roster: bounded by its size, not by a clock.
    config: { roles: MANAGERS, limits: 'long' },
    bodyLimit: LARGE_JSON_BODY_LIMIT, // JSON; CSV is streamed and capped at 512 MiB while read
    // Rows are validated by the service (one zod schema for JSON and CSV), so every bad row is listed.
    validatorCompiler: bodyValidatedByRoute,
    schema: {
      operationId: 'replaceRoster', tags: ['roster'], summary: 'Replace the active roster (admin or the project\'s OPD)',
      description: [
        'All or nothing: any bad row gives a 422 listing every bad row (`path` like `workers.3.nik` for JSON, `line`',
        'for CSV where line 1 is the header) and nothing changes. Workers are matched by NIK: new ones are added,',
        'missing ones end today (their history kept), changed ones are updated. An empty roster (or a header-only CSV)',
        'that would end every active assignment needs `?confirmEmpty=true`, else 422.',
      ].join(' '),
      consumes: REPLACE_TYPES,
      params: idParams,
      querystring: replaceRosterQuery,
      body: replaceRosterBody,
      response: { 200: replaceResultSchema, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const format = bodyFormat(request);
    const body: unknown = request.body;
    const meta = requestMeta(request);
    const { confirmEmpty } = request.query;
    if (format === 'json') return service.replace(meta, request.params.id, { format, body }, confirmEmpty);
    if (format === 'csv' && isBodyStream(body)) {
      return closeUnreadBody(reply, body, () => service.replace(meta, request.params.id, { format, body }, confirmEmpty));
    }
    throw unsupportedMediaType(REPLACE_TYPES);
  });

  app.post('/v1/projects/:id/workers', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'addWorker', tags: ['roster'], summary: 'Add one worker to the active roster',
      params: idParams,
      body: workerInput,
      response: { 201: workerSchema, ...errorResponses(404, 409) },
    },
  }, async (request, reply) => reply.code(201).send(await service.add(requestMeta(request), request.params.id, request.body)));

  app.delete('/v1/projects/:id/workers/:assignmentId', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'endWorker', tags: ['roster'], summary: 'End one worker\'s assignment (today is their last day)',
      description: 'The end date becomes today (unless it was earlier) and the assignment leaves the active roster; it stays in the history.',
      params: assignmentParams,
      response: { 200: workerSchema, ...errorResponses(404) },
    },
  }, async (request) => service.end(requestMeta(request), request.params.id, request.params.assignmentId));
};
