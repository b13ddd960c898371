// The error answers every route shares, added to each route's documented responses in one place
// (as Infisical's add-errors-to-response-schemas does), so that routes list only their own (404,
// 406, 409) and no route can forget one. Register before the routes: onRoute sees later routes only.
import type { RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { problemSchema } from './problem.ts';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** The statuses any route of this shape may answer, whatever it does. */
export function commonErrorStatuses(route: Pick<RouteOptions, 'method' | 'schema' | 'config'>): number[] {
  // Health checks are never authenticated, limited, shed or timed out (limits.ts); their 503 is their own.
  if (route.config?.limits === 'health') return [];
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const schema = route.schema ?? {};
  const statuses: number[] = [];
  // 400 unreadable body (or missing Idempotency-Key), 413 too large, 415 a content type nobody takes.
  if (methods.some((m) => WITH_BODY.has(m))) statuses.push(400, 413, 415);
  // 401 no or bad token, 403 a role the route does not admit.
  if (!route.config?.public) statuses.push(401, 403);
  // 422 a path, query, header or body that fails its schema.
  if (schema.params || schema.querystring || schema.headers || schema.body) statuses.push(422);
  // 429 rate limit; 503 overload, time budget, shutdown, database or identity provider unavailable.
  statuses.push(429, 503);
  return statuses;
}

export const errorResponsesPlugin = fp(async (app) => {
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (!response) return;
    const common = Object.fromEntries(commonErrorStatuses(route).map((s) => [s, problemSchema]));
    route.schema = { ...route.schema, response: { ...common, ...response } };
  });
}, { name: 'gerbang-error-responses' });
