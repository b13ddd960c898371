import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import type { Gate } from './gate.ts';
import { idempotencyKeyOf } from './idempotency.ts';
import {
  decisionDetailSchema, decisionPageSchema, decisionRequestBody, decisionSchema, listQuery, receiptSchema, replaySchema,
  voidBody,
} from './schemas.ts';
import { createDisbursementService } from './service.ts';

const READERS = ['finance', 'opd', 'inspector', 'admin', 'treasury'] as const;

/** The gate is the app's one (its roster cache is shared with the compliance dry run of projects/). */
export const disbursementRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; gate: Gate }> = async (app, { ctx, gate }) => {
  const service = createDisbursementService(ctx, gate);

  app.post('/v1/disbursements', {
    // May wait BPJS_DEADLINE_MS for the upstream.
    config: { roles: ['finance', 'admin'], limits: 'upstream' },
    // The key is checked before the body, so a request without one is a 400 whatever its body.
    preValidation: async (request) => {
      idempotencyKeyOf(request.headers['idempotency-key']);
    },
    schema: {
      operationId: 'decideDisbursement', tags: ['disbursements'],
      summary: 'Ask the gate whether a project stage may be paid (finance, admin)',
      description: 'Answers 201 with an APPROVED or BLOCKED decision. A replay of the same Idempotency-Key and body answers 200 with the stored decision and `Idempotent-Replayed: true`; the same key with another body 422 IDEMPOTENCY_KEY_REUSED; a key still being decided 409 IDEMPOTENCY_IN_PROGRESS. Keys are scoped per token sub.',
      headers: z.looseObject({ 'idempotency-key': z.string().describe('Required: 1..255 printable ASCII characters, unique per payment request of this client (e.g. the SPM number); a retry sends the same key') }),
      body: decisionRequestBody,
      response: { 200: decisionSchema, 201: decisionSchema, ...errorResponses(404, 409) },
    },
  }, async (request, reply) => {
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    const outcome = await service.decide(requestMeta(request), request.body, key, request.log);
    if (outcome.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(outcome.status).send(outcome.body);
  });

  app.get('/v1/disbursements', {
    config: { roles: READERS },
    schema: {
      operationId: 'listDisbursements', tags: ['disbursements'],
      summary: 'List decisions, newest first (finance: its own; opd: its OPD\'s projects)',
      querystring: listQuery,
      response: { 200: decisionPageSchema },
    },
  }, async (request) => service.list(requestMeta(request), request.query));

  app.get('/v1/disbursements/:id', {
    config: { roles: READERS },
    schema: {
      operationId: 'getDisbursement', tags: ['disbursements'],
      summary: 'A decision with the evidence it rests on',
      params: idParams,
      response: { 200: decisionDetailSchema, ...errorResponses(404) },
    },
  }, async (request) => service.get(requestMeta(request), request.params.id));

  app.post('/v1/disbursements/:id/void', {
    config: { roles: ['finance', 'admin'] },
    schema: {
      operationId: 'voidDisbursement', tags: ['disbursements'],
      summary: 'Void an APPROVED decision whose payment did not go ahead, so the stage may be requested again',
      params: idParams,
      body: voidBody,
      response: { 200: decisionSchema, ...errorResponses(404, 409) },
    },
  }, async (request) => service.void(requestMeta(request), request.params.id, request.body.reason));

  app.get('/v1/disbursements/:id/replay', {
    config: { roles: READERS },
    schema: {
      operationId: 'replayDisbursement', tags: ['disbursements'],
      summary: 'Re-evaluate the stored evidence with the stored policy version',
      params: idParams,
      response: { 200: replaySchema, ...errorResponses(404) },
    },
  }, async (request) => service.replay(requestMeta(request), request.params.id));

  app.get('/v1/disbursements/:id/receipt', {
    config: { roles: READERS },
    schema: {
      operationId: 'getDisbursementReceipt', tags: ['disbursements'], summary: 'Signed receipt of a decision, to file with the SP2D',
      description: 'Finance: its own decisions; OPD staff: their OPD\'s projects; inspector and admin: all. Anything else is a 404.',
      params: idParams,
      response: { 200: receiptSchema, ...errorResponses(404) },
    },
  }, async (request) => service.receipt(requestMeta(request), request.params.id));
};
