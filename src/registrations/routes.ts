import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import { LARGE_JSON_BODY_LIMIT } from '../http/body-limits.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { bodyFormat, bodyValidatedByRoute, closeUnreadBody, unsupportedMediaType } from '../http/streaming.ts';
import { registrationImportJsonBody, registrationImportResultSchema, registrationParams, registrationReadSchema } from './schemas.ts';
import { createRegistrationService } from './service.ts';

const IMPORT_TYPES = ['application/json', 'text/csv', 'application/x-ndjson'];

export const registrationRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createRegistrationService(ctx);

  app.post('/v1/registrations/import', {
    config: { roles: ['admin'], limits: 'long' },
    bodyLimit: LARGE_JSON_BODY_LIMIT, // JSON; CSV and NDJSON are streamed and capped while read
    // The body is validated record by record by the service (same zod schema for every format).
    validatorCompiler: bodyValidatedByRoute,
    schema: {
      operationId: 'importRegistrations', tags: ['registrations'],
      summary: 'Import a BPJS snapshot of project registrations (Jakon numbers) (admin)',
      description: [
        'All or nothing: every record is validated first; any bad record gives a 422 listing every bad line',
        '(`line` for CSV and NDJSON, where line 1 of a CSV is its header; `path` like `records.3.status` for JSON)',
        'and nothing is applied. A record older (asOf) than the stored one for its number changes nothing; a number',
        'repeated in one file counts once, its latest asOf winning. With BPJS_PROVIDER=snapshot the gate judges',
        'a project\'s registration from this data (policy version 2), as it does with the live upstream.',
        'Audited as registration.imported (counts only).',
      ].join(' '),
      consumes: IMPORT_TYPES,
      body: registrationImportJsonBody,
      response: { 200: registrationImportResultSchema },
    },
  }, async (request, reply) => {
    const format = bodyFormat(request);
    if (!format) throw unsupportedMediaType(IMPORT_TYPES);
    const body: unknown = request.body;
    return closeUnreadBody(reply, body, () => service.import(requestMeta(request), format, body));
  });

  app.get('/v1/registrations/:projectNumber', {
    config: { roles: ['admin', 'inspector', 'opd'] },
    schema: {
      operationId: 'getRegistration', tags: ['registrations'],
      summary: 'A project registration as BPJS reported it (imported or fetched), with its history',
      description: 'OPD staff see a number one of their OPD\'s projects carries; any other number is a 404 for them.',
      params: registrationParams,
      response: { 200: registrationReadSchema, ...errorResponses(404) },
    },
  }, async (request) => service.read(requestMeta(request), request.params.projectNumber));
};
