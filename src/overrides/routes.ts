import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import {
  approvedOverrideSchema, createOverrideBody, decideOverrideBody, listOverridesQuery, overridePageSchema, overrideRequestSchema,
} from './schemas.ts';
import { createOverrideService } from './service.ts';

// The Inspektorat audits and never approves payments: deciding is treasury's (the Kuasa BUD) or admin's.
const DECIDERS = ['treasury', 'admin'] as const;

export const overrideRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createOverrideService(ctx);

  app.post('/v1/disbursements/:id/override-requests', {
    config: { roles: ['finance', 'admin'] },
    schema: {
      operationId: 'requestOverride', tags: ['overrides'], summary: 'Ask to release a decision blocked only because BPJS could not be reached',
      description: 'Finance: its own decisions; admin: any. Only a BLOCKED decision whose blocking reasons are all MEMBERSHIP_UNVERIFIED or PROJECT_UNVERIFIED and whose evidence records a provider failure (422 OVERRIDE_NOT_ALLOWED otherwise). Expires after 3 working days.',
      params: idParams,
      body: createOverrideBody,
      response: { 201: overrideRequestSchema, ...errorResponses(404, 409) },
    },
  }, async (request, reply) => reply.code(201).send(await service.request(requestMeta(request), request.params.id, request.body)));

  app.post('/v1/override-requests/:id/approve', {
    config: { roles: DECIDERS },
    schema: {
      operationId: 'approveOverride', tags: ['overrides'], summary: 'Approve an override: creates the APPROVED decision (treasury or admin, not the requester)',
      params: idParams,
      body: decideOverrideBody,
      response: { 200: approvedOverrideSchema, ...errorResponses(404, 409) },
    },
  }, async (request) => service.approve(requestMeta(request), request.params.id, request.body.note));

  app.post('/v1/override-requests/:id/reject', {
    config: { roles: DECIDERS },
    schema: {
      operationId: 'rejectOverride', tags: ['overrides'], summary: 'Reject an override request (treasury or admin, not the requester)',
      params: idParams,
      body: decideOverrideBody,
      response: { 200: approvedOverrideSchema, ...errorResponses(404, 409) },
    },
  }, async (request) => service.reject(requestMeta(request), request.params.id, request.body.note));

  app.get('/v1/override-requests', {
    config: { roles: ['treasury', 'inspector', 'admin', 'finance'] },
    schema: {
      operationId: 'listOverrideRequests', tags: ['overrides'], summary: 'Override requests, newest first (finance: its own)',
      querystring: listOverridesQuery,
      response: { 200: overridePageSchema },
    },
  }, async (request) => service.list(requestMeta(request), request.query));
};
