// The dashboard at /app: server-rendered pages for OPD staff and the Inspektorat. Its routes are
// outside the API's bearer-token check (marked public and hidden from the OpenAPI document); a
// sealed session cookie stands in for the token and becomes the same RequestMeta the API builds.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import type { Gate } from '../disbursements/gate.ts';
import { createTokenVerifier } from '../http/auth.ts';
import { AppError, PROBLEMS } from '../http/problem.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { registerCorrectionRoutes } from './correction-routes.ts';
import { isHtmx, pageCtx, sendPage } from './context.ts';
import { html } from './html.ts';
import { LANG_COOKIE, langOf } from './i18n.ts';
import { registerInspectorRoutes } from './inspector-routes.ts';
import { createOidcClient } from './oidc.ts';
import { messagePage } from './pages-auth.ts';
import { registerProjectRoutes } from './project-routes.ts';
import { ROSTER_UPLOAD_LIMIT } from './forms.ts';
import { createDashboardService } from './service.ts';
import { SESSION_COOKIE, createSealer, csrfMatches, readSession, sessionSecret } from './session.ts';
import { STYLESHEET } from './styles.ts';

const require = createRequire(import.meta.url);
const HTMX = readFileSync(require.resolve('htmx.org/dist/htmx.min.js'), 'utf8');

function csrfGiven(request: FastifyRequest): unknown {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  const field = (request.body as Record<string, unknown> | undefined)?._csrf;
  // Multipart bodies give fields as { value }.
  return field && typeof field === 'object' && 'value' in field ? (field as { value: unknown }).value : field;
}

export async function dashboardRoutes(app: FastifyInstance, { ctx, gate }: { ctx: AppContext; gate: Gate }): Promise<void> {
  const { config } = ctx;
  const tz = config.LOCAL_TIMEZONE;
  const sealer = createSealer(sessionSecret(config));
  const service = createDashboardService(ctx, gate);
  const verifyToken = createTokenVerifier({
    keys: ctx.keys.authKeys, issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE,
    rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM,
  });
  const oidc = createOidcClient(config, verifyToken);

  // Every route here: no bearer token (the session decides) and no place in the API's document.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
    // Forms only: the app's content-type check refuses anything else (JSON too) with a 415.
    route.schema = { ...route.schema, hide: true, consumes: ['application/x-www-form-urlencoded', 'multipart/form-data'] };
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(multipart, { attachFieldsToBody: true, limits: { fileSize: ROSTER_UPLOAD_LIMIT, files: 1, fields: 10 } });
  app.decorateRequest('dashboard', null);

  app.addHook('onRequest', async (request, reply) => {
    const session = readSession(sealer, request.cookies[SESSION_COOKIE], Date.now());
    request.dashboard = { session, lang: langOf(request.cookies[LANG_COOKIE]) };
    if (session || request.is404 || request.routeOptions.config.signedOut) return;
    if (isHtmx(request)) return reply.header('hx-redirect', '/app/login').code(401).send();
    return reply.redirect('/app/login', 302);
  });
  // Every form that changes something carries the session's CSRF token (field or htmx header).
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'POST' || request.routeOptions.config.signedOut) return;
    const session = request.dashboard?.session;
    if (!session || !csrfMatches(session, csrfGiven(request))) {
      throw new AppError('FORBIDDEN', { detail: { id: 'Formulir kedaluwarsa atau tidak sah (token CSRF). Muat ulang halaman lalu coba lagi.', en: 'The form expired or is not valid (CSRF token). Reload the page and try again.' } });
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const c = pageCtx(request, tz);
    const status = error instanceof AppError ? error.status : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'dashboard page failed');
    const title = error instanceof AppError ? PROBLEMS[error.code].title[c.lang] : status === 413 ? c.t('Berkas terlalu besar', 'File too large') : status >= 500 ? c.t('Terjadi kesalahan', 'Something went wrong') : c.t('Permintaan tidak dapat diproses', 'The request cannot be processed');
    // A 5xx never shows its message: it may hold SQL or secrets.
    const detail = error instanceof AppError ? (error.detailText?.[c.lang] ?? title) : status >= 500 ? c.t('Silakan coba lagi sebentar lagi.', 'Please try again in a moment.') : error.message;
    if (error instanceof AppError && error.headers) reply.headers(error.headers);
    if (isHtmx(request)) return sendPage(reply, html`<p class="alert" role="alert">${detail}</p>`, status);
    return sendPage(reply, messagePage(c, title, detail, { href: '/app', label: c.t('Kembali ke beranda', 'Back to the start page') }), status);
  });
  app.setNotFoundHandler((request, reply) => {
    const c = pageCtx(request, tz);
    return sendPage(reply, messagePage(c, c.t('Halaman tidak ditemukan', 'Page not found'), c.t('Alamat ini tidak ada.', 'This address does not exist.'), { href: '/app', label: c.t('Kembali ke beranda', 'Back to the start page') }), 404);
  });

  // Assets are versioned in their URL, so browsers keep them; gzip (done once here) cuts htmx to a third.
  const asset = (body: string, type: string) => {
    const zipped = gzipSync(body, { level: 9 });
    return async (request: FastifyRequest, reply: FastifyReply) => {
      reply.header('content-type', type).header('cache-control', 'public, max-age=31536000, immutable').header('vary', 'accept-encoding');
      if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(zipped);
      return reply.send(body);
    };
  };
  app.get('/static/htmx.min.js', { config: { signedOut: true } }, asset(HTMX, 'text/javascript; charset=utf-8'));
  app.get('/static/app.css', { config: { signedOut: true } }, asset(STYLESHEET, 'text/css; charset=utf-8'));

  registerAuthRoutes(app, { ctx, sealer, oidc, listOpds: () => service.opds.list() });
  registerProjectRoutes(app, { ctx, service });
  registerInspectorRoutes(app, { ctx, service });
  registerCorrectionRoutes(app, { ctx, service });
}
