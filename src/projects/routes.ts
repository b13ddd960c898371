import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import type { Gate } from '../disbursements/gate.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import { complianceRoutes } from './compliance-routes.ts';
import { createProjectBody, listProjectsQuery, patchProjectBody, projectPageSchema, projectSchema } from './schemas.ts';
import { createProjectService } from './service.ts';
import { verifyRoutes } from './verify-routes.ts';

// Projects hold no personal data, so every role may read them; OPD staff see only their OPD's
// (another OPD's project is a 404). Only admin and the project's own OPD change them.
const READERS = ['admin', 'inspector', 'opd', 'finance', 'treasury'] as const;
const MANAGERS = ['admin', 'opd'] as const;

export const projectRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; gate: Gate }> = async (app, { ctx, gate }) => {
  const service = createProjectService(ctx);

  app.post('/v1/projects', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'createProject', tags: ['projects'], summary: 'Register a construction project (paket pekerjaan)',
      description: 'Admin for any OPD; OPD staff only for their own (another opdCode is a 422 on opdCode).',
      body: createProjectBody,
      response: { 201: projectSchema, ...errorResponses(409) },
    },
  }, async (request, reply) => reply.code(201).send(await service.create(requestMeta(request), request.body)));

  app.get('/v1/projects', {
    config: { roles: READERS },
    schema: {
      operationId: 'listProjects', tags: ['projects'], summary: 'List projects (OPD staff: their own OPD only)',
      querystring: listProjectsQuery,
      response: { 200: projectPageSchema },
    },
  }, async (request) => service.list(requestMeta(request), request.query));

  app.get('/v1/projects/:id', {
    config: { roles: READERS },
    schema: {
      operationId: 'getProject', tags: ['projects'], summary: 'Read one project with its required premium',
      params: idParams,
      response: { 200: projectSchema, ...errorResponses(404) },
    },
  }, async (request) => service.get(requestMeta(request), request.params.id));

  app.patch('/v1/projects/:id', {
    config: { roles: MANAGERS },
    schema: {
      operationId: 'updateProject', tags: ['projects'], summary: 'Change a project (admin or its OPD), e.g. after an addendum',
      description: 'Every field but `code` may change; OPD staff may not change `opdCode`. The date rules are checked on the merged result.',
      params: idParams,
      body: patchProjectBody,
      response: { 200: projectSchema, ...errorResponses(404, 409) },
    },
  }, async (request) => service.update(requestMeta(request), request.params.id, request.body));

  await app.register(verifyRoutes, { ctx, gate });
  await app.register(complianceRoutes, { ctx, gate });
};
