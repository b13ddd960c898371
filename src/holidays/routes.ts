import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import { errorResponses } from '../http/problem.ts';
import { requestMeta } from '../http/request-meta.ts';
import { holidaysQuery, holidayYearSchema, replaceHolidaysBody, yearParams } from './schemas.ts';
import { createHolidayService } from './service.ts';

export const holidayRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const service = createHolidayService(ctx);

  // Public (contract 2.6 preamble): the calendar is published by the government anyway.
  app.get('/v1/holidays', {
    config: { public: true },
    schema: {
      operationId: 'listHolidays', tags: ['reference data'],
      summary: 'Holidays of a year (national holidays and cuti bersama); working days are Mon-Fri less these',
      security: [],
      querystring: holidaysQuery,
      response: { 200: holidayYearSchema },
    },
  }, async (request) => service.read(request.query.year));

  app.put('/v1/holidays/:year', {
    config: { roles: ['admin'] },
    schema: {
      operationId: 'replaceHolidays', tags: ['reference data'],
      summary: 'Replace the holidays of a year (admin; from the SKB), audited as holidays.replaced',
      params: yearParams,
      body: replaceHolidaysBody,
      response: { 200: holidayYearSchema, ...errorResponses(404) },
    },
  }, async (request) => service.replace(requestMeta(request), request.params.year, request.body));
};
