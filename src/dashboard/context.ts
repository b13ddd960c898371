// Per-request state of the dashboard: who is signed in (from the sealed cookie), in which language,
// and the RequestMeta the services expect, built from the session exactly as a token would build it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from '../http/auth.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import type { Html } from './html.ts';
import { translator, type Lang } from './i18n.ts';
import type { PageCtx } from './layout.ts';
import type { Session } from './session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    dashboard: { session: Session | null; lang: Lang } | null;
  }
  interface FastifyContextConfig {
    /** A dashboard route reachable without a session (sign-in, assets). */
    signedOut?: boolean;
  }
}

export function sessionAuth(session: Session): AuthContext {
  return { sub: session.sub, roles: [...session.roles], opd: session.opd };
}

export function pageCtx(request: FastifyRequest, timeZone: string): PageCtx {
  const state = request.dashboard ?? { session: null, lang: 'id' as const };
  return { lang: state.lang, t: translator(state.lang), session: state.session, url: request.url, timeZone };
}

/** The services' view of the signed-in person (the route guarantees a session). */
export function metaOf(request: FastifyRequest): RequestMeta {
  const session = request.dashboard?.session;
  if (!session) throw new Error('dashboard route without a session');
  const auth = sessionAuth(session);
  return {
    auth,
    actor: { sub: auth.sub, roles: [...auth.roles], opd: auth.opd },
    requestId: request.id,
    lang: request.dashboard?.lang ?? 'id',
    // The access log names a read of personal data by its route: here the page (GET /app/projects/:id).
    route: `${request.method} ${request.routeOptions.url ?? request.url}`,
  };
}

export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    // Pages may hold personal data: never cached, never framed.
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('content-security-policy', "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    .send(page.value);
}

export const isHtmx = (request: FastifyRequest): boolean => request.headers['hx-request'] === 'true';
