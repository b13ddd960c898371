import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.ts';
import type { Gate } from '../disbursements/gate.ts';
import { requestMeta } from '../http/request-meta.ts';
import { forecastQuery, forecastSchema } from './schemas.ts';
import type { ForecastService } from './service.ts';

export const forecastRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; gate: Gate; service: ForecastService }> = async (app, { service }) => {
  app.get('/v1/forecast', {
    // 'long': the first forecast after a start loads every roster of the city (seconds on a busy machine).
    config: { roles: ['opd', 'inspector', 'admin'], limits: 'long' },
    schema: {
      operationId: 'getForecast', tags: ['forecast'],
      summary: 'Projects whose next payment would be BLOCKED today or within `within` days, and from which day',
      description: 'From stored data only (the gate\'s evaluation of the next payment, stage unknown, final from the project\'s end date). OPD staff: their own OPD\'s projects.',
      querystring: forecastQuery,
      response: { 200: forecastSchema },
    },
  }, async (request) => service.list(requestMeta(request), request.query));
};
