import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Gate } from '../disbursements/gate.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import { createVerifyService } from './verify.ts';

const count = z.number().int().min(0);

export const verifyResultSchema = z
  .object({
    projectId: z.uuid(),
    period: z.object({ from: z.string(), to: z.string() })
      .describe('The period a non-final request valued today would cover, both ends included: whose workers were checked'),
    checked: count.describe('Workers (distinct NIKs) whose assignment overlaps the period, ended ones included'),
    refreshed: count.describe('Workers whose membership BPJS answered and Gerbang stored'),
    notFound: count.describe('Workers BPJS holds no membership for (a later decision reports WORKER_NOT_FOUND)'),
    failed: count.describe('Workers without an answer by the deadline (upstream failure, breaker open, time up); their stored status is unchanged'),
    registration: z
      .object({ registrationNumber: z.string(), outcome: z.enum(['REFRESHED', 'NOT_FOUND', 'FAILED']) })
      .nullable()
      .describe('The project\'s BPJS registration, refreshed alongside (not counted above); null when the project has no registration number'),
  })
  .meta({ id: 'VerifyResult' });

export const verifyRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; gate: Gate }> = async (app, { ctx, gate }) => {
  const service = createVerifyService(ctx, gate);

  app.post('/v1/projects/:id/verify', {
    config: { roles: ['admin', 'opd'], limits: 'upstream' },
    schema: {
      operationId: 'verifyProject', tags: ['projects'],
      summary: 'Refresh now, from BPJS, the registration and the memberships a payment request today would check (admin or the project\'s OPD)',
      description: [
        'Asks the live upstream (BPJS_PROVIDER=http), whatever the age of the stored data, for the project\'s registration and for',
        'every worker whose assignment overlaps the period a non-final request valued today would cover (from the latest',
        'APPROVED, unvoided value date, or the project\'s start, to today). Answers within BPJS_DEADLINE_MS (plus a moment to',
        'store): workers without an answer by then count as `failed` and keep their stored status. The counts are of workers,',
        'not of the registration. The refresh is recorded as a `membership.refreshed` audit event with the caller as actor.',
        'With BPJS_PROVIDER=snapshot nothing can be refreshed on demand (status comes only from imports), so the answer is',
        '409 LIVE_PROVIDER_REQUIRED rather than counts that would look like an upstream outage.',
        'Finance and inspector: 403; another OPD\'s project: 404.',
      ].join(' '),
      params: idParams,
      response: { 200: verifyResultSchema, ...errorResponses(404, 409) },
    },
  }, async (request) => service.verify(requestMeta(request), request.params.id, request.log));
};
