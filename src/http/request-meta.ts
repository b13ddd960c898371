import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '../audit/chain.ts';
import type { AuthContext } from './auth.ts';
import { languageOf, type Lang } from './problem.ts';

/** Who is asking and under which request id: what services need from the HTTP layer. */
export interface RequestMeta {
  auth: AuthContext;
  actor: AuditActor;
  requestId: string;
  lang: Lang;
  /** Method and route template (`GET /v1/projects/:id/workers`), as the access log names a read. */
  route?: string;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  const { auth } = request;
  return {
    auth,
    actor: { sub: auth.sub, roles: [...auth.roles], opd: auth.opd },
    requestId: request.id,
    lang: languageOf(request.headers['accept-language']),
    route: `${request.method} ${request.routeOptions.url ?? request.url}`,
  };
}
