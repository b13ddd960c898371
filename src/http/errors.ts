import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { pgError } from '../db/errors.ts';
import { AppError, languageOf, problemBody, validationFailed, type FieldError, type ProblemCode } from './problem.ts';

// Errors that mean "the database is away", not "the request is wrong": answered 503 + Retry-After.
// 25006: a write reached a host that became read-only (a demotion in progress): retry finds the writable one.
const DB_UNAVAILABLE_CODES = new Set(['25006', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006', '57014', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
const DB_UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Query read timeout|pool after calling end|not queryable/i;

function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && DB_UNAVAILABLE_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && DB_UNAVAILABLE_MESSAGES.test(message)) return true;
  }
  return false;
}

// PostgreSQL cannot store U+0000 in text (22021) or jsonb (22P05). Node encodes every other string
// as valid UTF-8, so these mean the request carried a NUL that validation let through: the
// client's mistake (422), not a server fault. Routes should still refuse it with a precise path.
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05']);

/** Where the request carries a NUL character (`query.q`, `body.name`...), for the 422 it gets. */
function nulPaths(request: FastifyRequest): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (found.length >= 20 || depth > 8) return;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push(path);
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}.${i}`, depth + 1));
    else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, depth + 1);
    }
  };
  walk(request.params, 'params', 0);
  walk(request.query, 'query', 0);
  walk(request.body, 'body', 0);
  return found.length > 0 ? found.map((p) => p.replace(/^body\./, '')) : ['body'];
}

const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: AppError): FastifyReply {
  const lang = languageOf(request.headers['accept-language']);
  if (err.headers) reply.headers(err.headers);
  return reply
    .code(err.status)
    .type('application/problem+json; charset=utf-8')
    .send(problemBody(err.code, lang, err.detailText, err.errors));
}

function zodErrors(err: FastifyError & { validation: Array<{ instancePath: string; message?: string }> }): FieldError[] {
  const where = err.validationContext;
  return err.validation.map((v) => {
    const field = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const prefix = where && where !== 'body' ? (where === 'querystring' ? 'query' : where) : '';
    return { path: [prefix, field].filter(Boolean).join('.') || (prefix || 'body'), message: v.message ?? 'invalid' };
  });
}

/**
 * Errors the router raises before any hook runs (bad percent-encoding, a path parameter over the
 * router's length limit): without this Fastify answers them as plain JSON without x-request-id.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  const code: ProblemCode = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'URI_TOO_LONG' : error.code === 'FST_ERR_BAD_URL' ? 'MALFORMED_URL' : 'INTERNAL_ERROR';
  if (code === 'INTERNAL_ERROR') request.log.error({ err: error }, 'framework error');
  void sendProblem(request, reply, new AppError(code));
}

/** One error handler for the whole API: everything leaves as problem+json with a code. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) return sendProblem(request, reply, error);
    if (hasZodFastifySchemaValidationErrors(error)) return sendProblem(request, reply, validationFailed(zodErrors(error)));
    if (error.validation) {
      return sendProblem(request, reply, validationFailed(error.validation.map((v) => ({ path: v.instancePath || 'body', message: v.message ?? 'invalid' }))));
    }
    const mapped = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (mapped) return sendProblem(request, reply, new AppError(mapped));
    if (error instanceof SyntaxError && error.statusCode === 400) return sendProblem(request, reply, new AppError('MALFORMED_BODY'));
    if (error.statusCode === 429) {
      return sendProblem(request, reply, new AppError('RATE_LIMITED', { headers: { 'retry-after': String(reply.getHeader('retry-after') ?? 60) } }));
    }
    const pg = pgError(error);
    if (pg && UNSTORABLE_TEXT_CODES.has(pg.code)) {
      return sendProblem(request, reply, validationFailed(nulPaths(request).map((path) => ({ path, message: 'must not contain the NUL character (U+0000)' }))));
    }
    if (request.raw.destroyed && request.raw.complete === false) {
      // The client went away (or a socket timeout cut it off) mid-body: its ECONNRESET is not the database's.
      request.log.info({ err: { message: error.message, code: error.code } }, 'connection closed before the whole body arrived');
      return sendProblem(request, reply, new AppError('MALFORMED_BODY'));
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: { message: error.message, code: error.code } }, 'database unavailable');
      return sendProblem(request, reply, new AppError('DATABASE_UNAVAILABLE', { headers: { 'retry-after': '2' } }));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(request, reply, new AppError(error.statusCode === 404 ? 'NOT_FOUND' : 'MALFORMED_BODY'));
    }
    if (isResponseSerializationError(error)) request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
    else request.log.error({ err: error }, 'unhandled error');
    // A 5xx never carries the message: it may hold SQL or secrets.
    return sendProblem(request, reply, new AppError('INTERNAL_ERROR'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError('NOT_FOUND', { detail: { id: `Rute ${request.method} ${request.url.split('?')[0]} tidak ada`, en: `No route ${request.method} ${request.url.split('?')[0]}` } })),
  );
}
