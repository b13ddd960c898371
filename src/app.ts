import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import pino from 'pino';
import { createAccessLog } from './audit/access-log.ts';
import { accessLogRoutes } from './audit/access-routes.ts';
import { pseudonymizer } from './audit/pseudonym.ts';
import { localDate, type AppContext, type AppDeps } from './context.ts';
import { authPlugin } from './http/auth.ts';
import { JSON_BODY_LIMIT } from './http/body-limits.ts';
import { errorResponsesPlugin } from './http/error-responses.ts';
import { contentTypePlugin } from './http/content-type.ts';
import { handleFrameworkError, installErrorHandling } from './http/errors.ts';
import { limitSettings, limitsPlugin, serverOptions, type LimitSettings } from './http/limits.ts';
import { AppError } from './http/problem.ts';
import { loggerOptions } from './http/logging.ts';
import { openRedis } from './http/redis.ts';
import { hasLoneSurrogateEscape } from './http/streaming.ts';
import { registerSwagger } from './http/swagger.ts';
import { snapshotProvider } from './memberships/provider.ts';
import { httpRequestDuration } from './ops/metrics.ts';
import { opsRoutes } from './ops/routes.ts';
import { opdRoutes } from './opds/routes.ts';
import { contractorRoutes } from './contractors/routes.ts';
import { projectRoutes } from './projects/routes.ts';
import { correctionRoutes } from './roster/corrections-routes.ts';
import { rosterRoutes } from './roster/routes.ts';
import { membershipRoutes } from './memberships/routes.ts';
import { registrationRoutes } from './registrations/routes.ts';
import { createGate } from './disbursements/gate.ts';
import { disbursementRoutes } from './disbursements/routes.ts';
import { auditRoutes } from './audit/routes.ts';
import { holidayRoutes } from './holidays/routes.ts';
import { dashboardRoutes } from './dashboard/plugin.ts';
import { webhookRoutes } from './webhooks/routes.ts';
import { overrideRoutes } from './overrides/routes.ts';
import { disabledOutbox } from './webhooks/outbox.ts';
import { startWebhooks, type WebhookRuntime } from './webhooks/runtime.ts';
import { forecastRoutes } from './forecast/routes.ts';
import { createForecastService } from './forecast/service.ts';
import { startForecastJob } from './forecast/job.ts';
import { loadWebhookKey } from './webhooks/signing.ts';

// A client's request id is echoed and stored (audit events, logs) only in this tame shape: anything
// else (a spreadsheet formula, markup, control characters) is replaced by a fresh UUID.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export function createContext(deps: AppDeps): AppContext {
  const clock = deps.clock ?? (() => new Date());
  return {
    config: deps.config,
    database: deps.database,
    keys: deps.keys,
    clock,
    provider: deps.provider ?? snapshotProvider,
    pseudonymize: pseudonymizer(deps.keys.pseudonymKey),
    accessLog: createAccessLog(deps.database, deps.logger),
    today: () => localDate(clock(), deps.config.LOCAL_TIMEZONE),
    outbox: disabledOutbox,
    webhooks: { key: null, resolve: null },
  };
}

/** Builds the whole API as a Fastify instance; never listens (server.ts does). */
export async function buildApp(deps: AppDeps & { limits?: Partial<LimitSettings> }): Promise<App> {
  const ctx = createContext(deps);
  const limits = limitSettings(deps.config, deps.limits);
  const app = Fastify({
    // Socket timeouts (slow headers or bodies, idle connections); they apply once the app listens.
    ...serverOptions(limits),
    loggerInstance: (deps.logger ?? pino(loggerOptions(deps.config.LOG_LEVEL))) as FastifyBaseLogger,
    bodyLimit: JSON_BODY_LIMIT,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // A JSON body with __proto__ / constructor.prototype is refused rather than silently used.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Router errors (bad URL encoding, over-long path parameters) leave as problem+json too.
    frameworkErrors: handleFrameworkError,
    // Fastify's own 503 while closing is plain JSON; the onRequest hook answers problem+json instead.
    return503OnClosing: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Shutting down (SIGTERM): requests still arriving on kept-alive connections get a 503 problem
  // (Fastify adds `Connection: close`); those already in flight finish.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) throw new AppError('SERVICE_UNAVAILABLE', { headers: { 'retry-after': '2' } });
  });
  // An answer sent while closing also closes its connection. Without this, a request that was in
  // flight at SIGTERM (a decision waiting for the upstream) leaves a kept-alive socket behind, and
  // app.close() waits for it until close-with-grace gives up and exits 1.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // CSV and NDJSON bodies are handed to the route as a stream and parsed record by record.
  app.addContentTypeParser(['text/csv', 'application/x-ndjson'], (_request, payload, done) => done(null, payload));
  // No route takes plain text: without this, Fastify's default parser hands it on and it ends as 422, not 415.
  app.removeContentTypeParser('text/plain');
  // JSON as Fastify parses it (proto poisoning refused), minus lone surrogate escapes ("\ud800"):
  // valid JSON grammar but not text (RFC 7493), refused by canonical JSON (the audit chain) and by
  // PostgreSQL's json type, so they would surface as a 500 deep inside a transaction.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (hasLoneSurrogateEscape(text)) {
      done(new AppError('MALFORMED_BODY', { detail: { id: 'JSON memuat escape surrogate tunggal (\\uD800-\\uDFFF)', en: 'The JSON holds a lone surrogate escape (\\uD800-\\uDFFF)' } }), undefined);
      return;
    }
    parseJson(request, text, done);
  });

  let runtime: WebhookRuntime | null = null;
  if (deps.webhooks !== false) {
    const key = loadWebhookKey(ctx.config);
    runtime = await startWebhooks({ config: ctx.config, database: ctx.database, logger: app.log as never, key, clock: ctx.clock }, deps.webhooks);
    ctx.outbox = runtime.outbox;
    ctx.webhooks = { key, resolve: runtime.resolve };
    const started = runtime;
    app.addHook('onClose', async () => started.stop());
  }

  installErrorHandling(app);
  // Before swagger, auth and the routes: it sheds load before authentication and sets route budgets.
  // Several replicas share their rate-limit counters through Redis; one process keeps them in memory.
  const redis = deps.config.REDIS_URL ? await openRedis(deps.config.REDIS_URL, app.log) : null;
  if (redis) app.addHook('onClose', async () => void (await redis.quit().catch(() => redis.disconnect())));
  await app.register(limitsPlugin, { settings: limits, redis });
  await app.register(errorResponsesPlugin);
  await registerSwagger(app);
  await app.register(authPlugin, {
    settings: {
      keys: ctx.keys.authKeys,
      issuer: ctx.config.AUTH_ISSUER,
      audience: ctx.config.AUTH_AUDIENCE,
      rolesClaim: ctx.config.AUTH_ROLES_CLAIM,
      opdClaim: ctx.config.AUTH_OPD_CLAIM,
    },
  });
  await app.register(contentTypePlugin);

  // One gate per app: decisions and the compliance dry run share its roster cache.
  const gate = createGate(ctx);
  await app.register(opsRoutes, { ctx });
  await app.register(opdRoutes, { ctx });
  await app.register(contractorRoutes, { ctx });
  await app.register(projectRoutes, { ctx, gate });
  await app.register(rosterRoutes, { ctx });
  await app.register(correctionRoutes, { ctx });
  await app.register(membershipRoutes, { ctx });
  await app.register(registrationRoutes, { ctx });
  await app.register(disbursementRoutes, { ctx, gate });
  await app.register(auditRoutes, { ctx });
  await app.register(holidayRoutes, { ctx });
  await app.register(accessLogRoutes, { ctx });
  // Entries still waiting are written before the database closes (server.ts closes the app first).
  app.addHook('onClose', async () => ctx.accessLog.close());
  // The web pages for OPD staff and the Inspektorat (session cookies, not bearer tokens).
  await app.register(dashboardRoutes, { prefix: '/app', ctx, gate });
  await app.register(webhookRoutes, { ctx });
  await app.register(overrideRoutes, { ctx });
  const forecast = createForecastService(ctx, gate);
  await app.register(forecastRoutes, { ctx, gate, service: forecast });
  // The daily forecast.at_risk run, where this process delivers webhooks (server.ts).
  if (runtime && deps.webhooks && deps.webhooks.deliver) {
    await startForecastJob(runtime.boss, forecast, { cron: ctx.config.FORECAST_CRON, timeZone: ctx.config.LOCAL_TIMEZONE, logger: app.log as never });
  }
  return app;
}
