// Resource limits: how many requests a caller may send, how long a request may take to arrive and
// to be answered, and when the process sheds load. Each route declares its class in `config.limits`.
// Body size limits: body-limits.ts.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerOptions } from 'node:http';
import { Socket } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteHandlerMethod, RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import type { AuthContext } from './auth.ts';
import { AppError, PROBLEMS, problemBody, type ProblemCode } from './problem.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts a request whose token failed verification against its client address; resolves to the
     * 429 to answer instead of the 401 once the address is over AUTH_FAILURES_PER_MINUTE, else null.
     */
    countAuthFailure(request: FastifyRequest): Promise<AppError | null>;
  }
  interface FastifyContextConfig {
    /** The route's limits, declared on the route (see RouteLimits); absent: 'default'. */
    limits?: RouteLimits;
    /** Set by limitsPlugin from `limits`: after this long the request is answered 503 REQUEST_TIMEOUT. */
    timeBudgetMs?: number;
  }
}

/**
 * Only the rate comes from the environment (RATE_LIMIT_PER_MINUTE) and the upstream budget from
 * BPJS_DEADLINE_MS: the contract fixes the configuration table, so the rest are constants. Tests
 * pass smaller values through buildApp's `limits`.
 */
export interface LimitSettings {
  /** Requests per token `sub` per minute (per IP on public routes other than the health checks). */
  ratePerMinute: number;
  /** Requests per client address per minute whose token fails verification, before they get 429. */
  authFailuresPerMinute: number;
  /** Prefix of the counters' keys in Redis (tests use their own, as every run here shares one Redis). */
  redisPrefix: string;
  /** Answer budget of an ordinary route, from its first hook (body reading included): then 503 REQUEST_TIMEOUT. */
  handlerTimeoutMs: number;
  /** Answer budget of the routes that may wait BPJS_DEADLINE_MS for the upstream. */
  upstreamHandlerTimeoutMs: number;
  /** Time to receive a request's headers (slowloris). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included: the bound on a streamed 512 MiB import. */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (a client that stalls mid-body or stops reading). */
  idleTimeoutMs: number;
  /** How long the rest of a body may keep arriving after its answer went out (a 401 or 503 sent early). */
  lingerMs: number;
  /** Mean event-loop delay over a sample above which requests are shed with 503 OVERLOADED. */
  maxEventLoopDelayMs: number;
  pressureSampleMs: number;
  /** How often Node checks the header and request timeouts (its default of 30 s would blur them). */
  timeoutCheckIntervalMs: number;
}

export function limitSettings(config: Config, overrides: Partial<LimitSettings> = {}): LimitSettings {
  const upstreamHandlerTimeoutMs = config.BPJS_DEADLINE_MS + 5_000;
  return {
    ratePerMinute: config.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: config.AUTH_FAILURES_PER_MINUTE,
    redisPrefix: 'gerbang-rl:',
    // Every query has its own timeouts (db/client.ts); this is the backstop a caller can count on.
    handlerTimeoutMs: 10_000,
    // The decision waits at most BPJS_DEADLINE_MS for the upstream, then needs its transaction.
    upstreamHandlerTimeoutMs,
    // Headers fit in one packet; 10 s is generous for any real client on a slow line.
    headersTimeoutMs: 10_000,
    // 512 MiB in 10 minutes needs 0.9 MB/s; slower links should split the file.
    requestTimeoutMs: 10 * 60_000,
    // Longer than any silence of a healthy exchange (an upstream wait; long imports are released, below).
    idleTimeoutMs: Math.max(60_000, upstreamHandlerTimeoutMs + 5_000),
    lingerMs: 10_000,
    // A mean delay of a second means every request waits that long before it is even read.
    maxEventLoopDelayMs: 1_000,
    pressureSampleMs: 1_000,
    timeoutCheckIntervalMs: 1_000,
    ...overrides,
  };
}

/**
 * What a route declares in its `config.limits`: how long it may take to start answering.
 * `default` (or nothing): handlerTimeoutMs. `upstream`: may wait BPJS_DEADLINE_MS for BPJS. `long`:
 * imports and whole-log verification, bounded by their size rather than a clock; once their body has
 * arrived the socket's idle timeout is lifted too (the silence is our own work, e.g. merging a
 * million memberships). `health`: never rate limited, shed or timed out (their 503 is their own). A
 * budget ends when the answer starts: a streamed export (audit events as NDJSON) is not cut once it
 * flows, and the idle timeout still catches a reader that stops reading.
 */
export type RouteLimits = 'default' | 'upstream' | 'long' | 'health';

/** Options for Fastify's factory: socket-level timeouts, which only a listening server has. */
export function serverOptions(s: LimitSettings) {
  const http: ServerOptions = { headersTimeout: s.headersTimeoutMs, connectionsCheckingInterval: s.timeoutCheckIntervalMs };
  // Node refuses a headers timeout longer than the request timeout at construction; Fastify sets the real one after.
  if (s.requestTimeoutMs < s.headersTimeoutMs) http.requestTimeout = s.headersTimeoutMs;
  return {
    connectionTimeout: s.idleTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    http,
    clientErrorHandler,
  };
}

/**
 * Errors Node raises before a request exists (headers or body too slow, headers too large,
 * unparseable HTTP): answered as problem+json when nothing has been sent on the socket yet.
 */
function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ProblemCode =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TOO_SLOW' : err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST';
  this.log.debug({ err: { message: err.message, code: err.code } }, 'client error');
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const status = PROBLEMS[code].status;
    const body = JSON.stringify(problemBody(code, 'id'));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/problem+json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\nx-request-id: ${randomUUID()}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Requests whose time budget ran out (answered 503 while their handler may still be running). */
const timedOut = new WeakSet<FastifyRequest>();

/**
 * Starts the route's time budget. Fastify's own `handlerTimeout` is not used: in 5.12 it takes the
 * request stream's 'close' after a body was read for a client disconnect, so it never fires on a
 * request with a body (fastify/fastify#6725). Budgeted from the first hook, body reading included.
 */
const startBudget: onRequestHookHandler = (request, reply, done) => {
  const ms = request.routeOptions.config.timeBudgetMs;
  if (ms) {
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      timedOut.add(request);
      request.log.warn({ route: request.routeOptions.url, budgetMs: ms }, 'request timed out');
      // Through the shared error handler, as any other problem.
      reply.send(new AppError('REQUEST_TIMEOUT', { headers: { 'retry-after': '5' } }));
    }, ms);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
  }
  done();
};

/**
 * The time budget answers 503 while the handler's work goes on (a decision still commits, and a
 * retry with its Idempotency-Key finds it). Its late result or error is then only worth a log line:
 * Fastify would log the error at level error, as if it were a fault of ours.
 */
function finishingLate(handler: RouteHandlerMethod): RouteHandlerMethod {
  return async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
    try {
      const result: unknown = await handler.call(this, request, reply);
      if (!timedOut.has(request)) return result;
      request.log.info('request finished after its time budget ran out');
      return undefined;
    } catch (err) {
      if (!timedOut.has(request)) throw err;
      request.log.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'request failed after its time budget ran out');
      return undefined;
    }
  } as RouteHandlerMethod;
}

/** Lifts the idle timeout once the whole body is in: what follows is our own (bounded) work. */
const releaseIdleAfterBody: onRequestHookHandler = (request, reply, done) => {
  const raw = request.raw;
  const socket = raw.socket;
  if (!(socket instanceof Socket)) {
    done(); // app.inject
    return;
  }
  const release = () => {
    if (!reply.raw.writableFinished) socket.setTimeout(0);
  };
  if (raw.complete) release();
  else raw.once('end', release);
  done();
};

const appendHook = (existing: RouteOptions['onRequest'], hook: onRequestHookHandler): onRequestHookHandler[] =>
  existing === undefined ? [hook] : Array.isArray(existing) ? [...(existing as onRequestHookHandler[]), hook] : [existing as onRequestHookHandler, hook];

const overloaded = (): AppError => new AppError('OVERLOADED', { headers: { 'retry-after': '5' } });

export interface LimitsPluginOptions {
  settings: LimitSettings;
  /** Where the counters live when several processes serve one API (REDIS_URL); in memory without it. */
  redis?: Redis | null;
}

const rateLimited = (max: number, ttlMs: number, what: { id: string; en: string }): AppError => {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return new AppError('RATE_LIMITED', {
    detail: {
      id: `Lebih dari ${max} ${what.id} per menit; coba lagi dalam ${seconds} detik`,
      en: `More than ${max} ${what.en} per minute; retry in ${seconds} s`,
    },
    headers: { 'retry-after': String(seconds) },
  });
};

/**
 * Register before swagger, auth and the routes: onRoute hooks see only routes added after them,
 * and load is shed before a token is verified. The rate limit runs as a route-level onRequest
 * hook, which Fastify runs after the global ones: after authentication (so it counts per verified
 * `sub`) and before the body is read or validated (so a limited caller costs nothing more).
 */
export const limitsPlugin = fp<LimitsPluginOptions>(async (app, { settings: s, redis }) => {
  app.addHook('onRoute', (route) => {
    const cls: RouteLimits = route.config?.limits ?? 'default';
    if (cls === 'health') {
      // Probes must see the process as it is: never limited (checked by @fastify/rate-limit's onRoute, registered below).
      route.config = { ...route.config, rateLimit: false };
      return;
    }
    const budget = cls === 'default' ? s.handlerTimeoutMs : cls === 'upstream' ? s.upstreamHandlerTimeoutMs : undefined;
    if (budget !== undefined) {
      route.config = { ...route.config, timeBudgetMs: budget };
      route.handler = finishingLate(route.handler);
    }
    if (cls === 'long') route.onRequest = appendHook(route.onRequest, releaseIdleAfterBody);
  });
  app.addHook('onRequest', startBudget);

  // A response that went out before the body was in (401, 413, 503 timeout): Node keeps reading and
  // discarding the rest so the client can read the answer, but only for lingerMs.
  app.addHook('onResponse', (request, _reply, done) => {
    const raw = request.raw;
    const socket = raw.socket;
    // Only real sockets (app.inject's stand-in has no body in transit).
    if (raw.complete === false && socket instanceof Socket && !socket.destroyed) {
      const timer = setTimeout(() => {
        if (!raw.complete) socket.destroy();
      }, s.lingerMs);
      timer.unref();
      raw.once('end', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    }
    done();
  });

  let lastShedLog = 0;
  await app.register(underPressure, {
    maxEventLoopDelay: s.maxEventLoopDelayMs,
    sampleInterval: s.pressureSampleMs,
    exposeStatusRoute: false,
    // A rejected promise reaches the shared error handler (problem+json); undefined lets the request through.
    pressureHandler: async (request, _reply, type, value) => {
      if (request.routeOptions.config.limits === 'health') return;
      const now = Date.now();
      if (now - lastShedLog > 1_000) {
        lastShedLog = now;
        request.log.warn({ type, value }, 'overloaded: shedding requests');
      }
      throw overloaded();
    },
  });

  await app.register(rateLimit, {
    global: true,
    max: s.ratePerMinute,
    timeWindow: 60_000,
    hook: 'onRequest',
    cache: 10_000,
    // Verified callers by `sub` (the contract's unit); public routes by address. A request whose
    // token fails never gets here: authentication answered it already, at the cost of one verification.
    keyGenerator: (request) => {
      const auth = request.auth as AuthContext | null;
      return auth ? `sub:${auth.sub}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => rateLimited(context.max, context.ttl, { id: 'permintaan', en: 'requests' }),
    // Shared by every replica through Redis when configured. Should Redis fail mid-flight, requests
    // pass unlimited (logged) rather than all failing: the limit protects availability, it is not
    // what authorises anything.
    ...(redis ? { redis, nameSpace: s.redisPrefix, skipOnError: true } : {}),
  });

  // Failed verifications are counted per address in the same store (so shared across replicas too).
  const failures = app.createRateLimit({
    max: s.authFailuresPerMinute,
    keyGenerator: (request) => `authfail:${request.ip}`,
  });
  app.decorate('countAuthFailure', async (request: FastifyRequest): Promise<AppError | null> => {
    const limit = await failures(request);
    if (limit.isAllowed || !limit.isExceeded) return null;
    return rateLimited(limit.max, limit.ttl, { id: 'kegagalan verifikasi token', en: 'failed token verifications' });
  });
}, { name: 'gerbang-limits' });
