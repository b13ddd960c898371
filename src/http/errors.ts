import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, languageOf, problemBody, validationFailed, type FieldError, type ProblemCode } from './problem.ts';

// Errors that mean "the database is away", not "the request is wrong": answered 503 + Retry-After.
const DB_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006', '57014', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);
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
