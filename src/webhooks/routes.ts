import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import { createWebhookBody, deliveriesQuery, deliveryPageSchema, jwksSchema, webhookListSchema, webhookSchema } from './schemas.ts';
import { createWebhookService } from './service.ts';

const MANAGERS = ['admin', 'opd'] as const;

export const webhookRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createWebhookService(ctx);

  app.post('/v1/webhooks', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'createWebhook', tags: ['webhooks'], summary: 'Register an endpoint for notifications (admin; opd staff for their OPD)',
      description: 'Refuses (422) link-local and metadata addresses always; loopback and private ones unless WEBHOOK_ALLOW_PRIVATE=true; plain http in production unless to such an allowed private address.',
      body: createWebhookBody,
      response: { 201: webhookSchema, ...errorResponses(400, 401, 403, 413, 415, 422) },
    },
  }, async (request, reply) => reply.code(201).send(await service.create(requestMeta(request), request.body)));

  app.get('/v1/webhooks', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'listWebhooks', tags: ['webhooks'], summary: 'Registered endpoints (admin: all; opd staff: their OPD)',
      response: { 200: webhookListSchema, ...errorResponses(401, 403) },
    },
  }, async (request) => service.list(requestMeta(request)));

  app.delete('/v1/webhooks/:id', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'deleteWebhook', tags: ['webhooks'], summary: 'Stop notifying an endpoint (its delivery history stays)',
      params: idParams,
      response: { 204: z.null().describe('Deleted'), ...errorResponses(401, 403, 404, 422) },
    },
  }, async (request, reply) => {
    await service.remove(requestMeta(request), request.params.id);
    return reply.code(204).send(null);
  });

  app.get('/v1/webhooks/:id/deliveries', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'listWebhookDeliveries', tags: ['webhooks'], summary: 'Delivery attempts of an endpoint, newest first',
      params: idParams,
      querystring: deliveriesQuery,
      response: { 200: deliveryPageSchema, ...errorResponses(401, 403, 404, 422) },
    },
  }, async (request) => service.deliveries(requestMeta(request), request.params.id, request.query));

  app.get('/v1/webhooks/jwks.json', {
    config: { public: true },
    schema: {
      operationId: 'getWebhookJwks', tags: ['webhooks'], summary: 'Public key (Ed25519) that verifies webhook signatures (v1a)',
      security: [],
      response: { 200: jwksSchema },
    },
  }, async (_request, reply) => reply.header('cache-control', 'public, max-age=300').send(service.jwks()));
};
