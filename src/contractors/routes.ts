import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { idParams } from '../http/schemas.ts';
import { contractorPageSchema, contractorSchema, createContractorBody, listContractorsQuery } from './schemas.ts';
import { createContractorService } from './service.ts';

// Every role reads contractors: OPD staff pick one when registering a project, and a contractor
// holds no worker's personal data (finance sees a sole trader's NIK-form NPWP masked).
const READERS = ['admin', 'inspector', 'opd', 'finance'] as const;

export const contractorRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createContractorService(ctx);

  app.post('/v1/contractors', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'createContractor', tags: ['contractors'], summary: 'Register a contractor (penyedia jasa; admin)',
      body: createContractorBody,
      response: { 201: contractorSchema, ...errorResponses(409) },
    },
  }, async (request, reply) => reply.code(201).send(await service.create(requestMeta(request), request.body)));

  app.get('/v1/contractors', {
    config: { roles: READERS },
    schema: {
      operationId: 'listContractors', tags: ['contractors'], summary: 'Search contractors by name or NIB',
      querystring: listContractorsQuery,
      response: { 200: contractorPageSchema },
    },
  }, async (request) => service.list(requestMeta(request), request.query));

  app.get('/v1/contractors/:id', {
    config: { roles: READERS },
    schema: {
      operationId: 'getContractor', tags: ['contractors'], summary: 'Read one contractor',
      params: idParams,
      response: { 200: contractorSchema, ...errorResponses(404) },
    },
  }, async (request) => service.get(requestMeta(request), request.params.id));
};
