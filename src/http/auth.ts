import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from './problem.ts';

// witness: an outside transparency-log witness (token issued by an admin, `sub` = its key name).
export const ROLES = ['finance', 'opd', 'inspector', 'admin', 'witness', 'treasury'] as const;
export type Role = (typeof ROLES)[number];

export interface AuthContext {
  sub: string;
  roles: Role[];
  opd: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext;
  }
  interface FastifyContextConfig {
    /** Reachable without a token. */
    public?: boolean;
    /** Roles allowed; a protected route without this list admits any known role. */
    roles?: readonly Role[];
  }
}

export interface TokenSettings {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  rolesClaim: string;
  opdClaim: string;
}

const ALGORITHMS = ['ES256', 'RS256', 'EdDSA'];

function claimAt(payload: JWTPayload, dotPath: string): unknown {
  let value: unknown = payload;
  for (const key of dotPath.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const unauthorized = (en: string, id: string) =>
  new AppError('UNAUTHORIZED', { detail: { id, en }, headers: { 'www-authenticate': 'Bearer' } });

const CLOCK_TOLERANCE_S = 30;

/** Verifies a bearer token exactly as the contract says and extracts who is calling. */
async function verifyWithExpiry(token: string, s: TokenSettings): Promise<{ auth: AuthContext; acceptedUntilMs: number }> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, s.keys, {
      algorithms: ALGORITHMS,
      issuer: s.issuer,
      audience: s.audience,
      requiredClaims: ['iss', 'aud', 'exp'],
      clockTolerance: CLOCK_TOLERANCE_S,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWKSTimeout || (err instanceof TypeError && /fetch/i.test(err.message))) {
      throw new AppError('AUTH_UNAVAILABLE', { headers: { 'retry-after': '5' } });
    }
    throw unauthorized('The access token is not valid', 'Token akses tidak sah');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('The token has no subject', 'Token tidak memiliki sub');
  const rawRoles = claimAt(payload, s.rolesClaim);
  const rawOpd = claimAt(payload, s.opdClaim);
  const opd = typeof rawOpd === 'string' && rawOpd !== '' ? rawOpd : null;
  // Unknown roles are ignored; role opd without an OPD code cannot be scoped, so it is ignored too.
  const roles = Array.isArray(rawRoles) ? ROLES.filter((r) => rawRoles.includes(r) && (r !== 'opd' || opd !== null)) : [];
  // requiredClaims guarantees a numeric exp; jose accepts the token until exp + the tolerance.
  return { auth: { sub: payload.sub, roles, opd }, acceptedUntilMs: ((payload.exp as number) + CLOCK_TOLERANCE_S) * 1000 };
}

/**
 * A machine client sends the same token with every request until it expires; verifying its ES256
 * signature again each time cost about 6% of a decision's CPU. Successful verifications are kept
 * (by the exact token text) until the token expires, at most `maxAgeMs` so a key withdrawn from
 * the JWKS stops being honoured soon after; failures are never kept.
 */
export function createTokenVerifier(s: TokenSettings, options: { maxEntries?: number; maxAgeMs?: number } = {}) {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
  const cache = new Map<string, { auth: AuthContext; untilMs: number }>();
  return async (token: string): Promise<AuthContext> => {
    const now = Date.now();
    const hit = cache.get(token);
    if (hit && hit.untilMs > now) return hit.auth;
    if (hit) cache.delete(token);
    const { auth, acceptedUntilMs } = await verifyWithExpiry(token, s);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
    cache.set(token, { auth, untilMs: Math.min(acceptedUntilMs, now + maxAgeMs) });
    return auth;
  };
}

export interface AuthPluginOptions {
  settings: TokenSettings;
}

/**
 * Authenticates every request in onRequest (before the body is read), so a caller without a
 * valid token learns nothing about validation, and checks the route's role list. A request whose
 * token is missing or fails verification counts against its address (limits.ts), and past
 * AUTH_FAILURES_PER_MINUTE is answered 429 rather than 401.
 */
export const authPlugin = fp<AuthPluginOptions>(async (app: FastifyInstance, { settings }) => {
  const verify = createTokenVerifier(settings);
  app.decorateRequest('auth', null as unknown as AuthContext);
  app.addHook('onRequest', async (request: FastifyRequest, _reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (config.public || request.is404) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    let auth: AuthContext;
    try {
      if (!match?.[1]) throw unauthorized('A bearer token is required', 'Token bearer diperlukan');
      auth = await verify(match[1]);
    } catch (err) {
      // Only requests that fail verification are counted and limited, so a valid token is never refused here.
      if (err instanceof AppError && err.code === 'UNAUTHORIZED' && app.hasDecorator('countAuthFailure')) {
        throw (await app.countAuthFailure(request)) ?? err;
      }
      throw err;
    }
    if (auth.roles.length === 0) {
      throw new AppError('FORBIDDEN', {
        detail: { id: 'Token tidak memiliki peran yang dikenal (peran opd memerlukan kode OPD)', en: 'The token has no known role (role opd needs an OPD code)' },
      });
    }
    const allowed = config.roles;
    if (allowed && !auth.roles.some((r) => allowed.includes(r))) throw new AppError('FORBIDDEN');
    request.auth = auth;
  });
});

export const hasRole = (auth: AuthContext, ...roles: Role[]): boolean => auth.roles.some((r) => roles.includes(r));
