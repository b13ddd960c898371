import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import type { Gate } from '../disbursements/gate.ts';
import { createComplianceService } from './compliance.ts';
import { complianceQuery, complianceSchema } from './schemas.ts';

/** GET /v1/projects/{id}/compliance: the gate's dry run for one project (registered from routes.ts). */
export const complianceRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; gate: Gate }> = async (app, { ctx, gate }) => {
  const service = createComplianceService(ctx, gate);

  app.get('/v1/projects/:id/compliance', {
    config: { roles: ['finance', 'opd', 'inspector', 'admin', 'treasury'] },
    schema: {
      operationId: 'getProjectCompliance', tags: ['projects'],
      summary: 'What the gate would decide for a request, from stored data only (records nothing)',
      description: 'Never calls the BPJS provider. Without `stage` the already-approved check is skipped. Finance sees masked NIKs and no names.',
      params: idParams,
      querystring: complianceQuery,
      response: { 200: complianceSchema, ...errorResponses(404) },
    },
  }, async (request) => {
    const { stage, valueDate, final } = request.query;
    return service.check(requestMeta(request), request.params.id, { stage, valueDate, final: final === 'true' });
  });
};
