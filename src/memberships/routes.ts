import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { LARGE_JSON_BODY_LIMIT } from '../http/body-limits.ts';
import type { AppContext } from '../context.ts';
import { requestMeta } from '../http/request-meta.ts';
import { bodyFormat, bodyValidatedByRoute, closeUnreadBody, unsupportedMediaType } from '../http/streaming.ts';
import { importJsonBody, importResultSchema, searchBody, searchResultSchema } from './schemas.ts';
import { createMembershipService } from './service.ts';

const IMPORT_TYPES = ['application/json', 'text/csv', 'application/x-ndjson'];

export const membershipRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createMembershipService(ctx);

  app.post('/v1/memberships/import', {
    // Up to millions of records: bounded by their size, not by a clock.
    config: { roles: ['admin'], limits: 'long' },
    bodyLimit: LARGE_JSON_BODY_LIMIT, // JSON; CSV and NDJSON are streamed and capped at 512 MiB while read
    // The body is validated record by record by the service (same zod schema for every format).
    validatorCompiler: bodyValidatedByRoute,
    schema: {
      operationId: 'importMemberships', tags: ['memberships'], summary: 'Import a BPJS membership snapshot (admin)',
      description: [
        'All or nothing: every record is validated first; any bad record gives a 422 listing every bad line',
        '(`line` for CSV and NDJSON, where line 1 of a CSV is its header; `path` like `records.3.nik` for JSON;',
        'at most 1,000 problems are listed) and nothing is applied. A record older (asOf) than the stored one for',
        'its coverage changes nothing; a coverage of a NIK (its segment, and project or employer) repeated in one file counts once, its latest asOf winning.',
      ].join(' '),
      consumes: IMPORT_TYPES,
      body: importJsonBody,
      response: { 200: importResultSchema },
    },
  }, async (request, reply) => {
    const format = bodyFormat(request);
    if (!format) throw unsupportedMediaType(IMPORT_TYPES);
    const body: unknown = request.body;
    return closeUnreadBody(reply, body, () => service.import(requestMeta(request), format, body));
  });

  app.post('/v1/memberships/search', {
    config: { roles: ['admin', 'inspector'] },
    schema: {
      operationId: 'searchMemberships', tags: ['memberships'], summary: 'Stored memberships and their history for up to 100 NIKs',
      description: 'Answers from stored data only (never the upstream). A NIK with no stored record is absent from `items`.',
      body: searchBody,
      response: { 200: searchResultSchema },
    },
  }, async (request) => service.search(requestMeta(request), request.body.niks));
};
