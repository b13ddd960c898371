import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { unsupportedMediaType } from './streaming.ts';

const JSON_ONLY = ['application/json'];
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A route takes JSON unless its schema lists other types in `consumes` (roster replacement, imports).
 * Any other content type is a 415 before the body is read: without this, the CSV and NDJSON parsers
 * hand a JSON-only route a stream and the caller gets a 422 that says nothing about the real mistake.
 * A request without a body is never refused. Register after authentication: a caller without a
 * valid token learns nothing about what a route takes.
 */
export const contentTypePlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request) => {
    if (!BODY_METHODS.has(request.method) || request.is404 || !hasBody(request)) return;
    const accepted = (request.routeOptions.schema?.consumes as string[] | undefined) ?? JSON_ONLY;
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (!accepted.includes(type)) throw unsupportedMediaType(accepted);
  });
}, { name: 'gerbang-content-type' });
