// Signing in and out: OIDC (authorization code + PKCE) when DASHBOARD_CLIENT_ID is set, the
// development sign-in otherwise (never in production), the language switch.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { AuthContext } from '../http/auth.ts';
import { pageCtx, sendPage } from './context.ts';
import { LANG_COOKIE } from './i18n.ts';
import type { OidcClient } from './oidc.ts';
import { devLoginPage, messagePage, signedOutPage } from './pages-auth.ts';
import { OIDC_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, cookieOptions, newSession, readOidcState, type Sealer, type Session } from './session.ts';

const devLoginQuery = z.object({
  role: z.enum(['opd', 'inspector', 'admin']).optional(),
  opd: z.string().regex(/^[A-Z0-9_-]{1,32}$/).optional(),
});

export interface AuthRouteDeps {
  ctx: AppContext;
  sealer: Sealer;
  oidc: OidcClient | null;
  listOpds: () => Promise<Array<{ code: string; name: string }>>;
}

export function registerAuthRoutes(app: FastifyInstance, { ctx, sealer, oidc, listOpds }: AuthRouteDeps): void {
  const { config } = ctx;
  const tz = config.LOCAL_TIMEZONE;
  const production = config.NODE_ENV === 'production';
  const signedOut = { signedOut: true } as const;

  const startSession = (reply: FastifyReply, auth: AuthContext, via: Session['via']): FastifyReply => {
    const session = newSession(auth, via, Date.now());
    return reply
      .setCookie(SESSION_COOKIE, sealer.seal(session), cookieOptions(config, SESSION_TTL_MS / 1000))
      .redirect('/app', 302);
  };

  /** Who may use the dashboard: finance is a machine client and has none. */
  const refusal = (request: FastifyRequest, auth: AuthContext): string | null => {
    const c = pageCtx(request, tz);
    if (auth.roles.length === 0) return c.t('Akun ini tidak memiliki peran Gerbang (opd, inspector atau admin).', 'This account has no Gerbang role (opd, inspector or admin).');
    if (!auth.roles.some((r) => r !== 'finance')) return c.t('Peran keuangan tidak memiliki dasbor: sistem keuangan memakai API.', 'The finance role has no dashboard: the finance system uses the API.');
    return null;
  };

  app.get('/login', { config: signedOut }, async (request, reply) => {
    const c = pageCtx(request, tz);
    if ((request.query as Record<string, unknown>).signedOut !== undefined) return sendPage(reply, signedOutPage(c));
    if (request.dashboard?.session) return reply.redirect('/app', 302);
    if (oidc) {
      const started = await oidc.start();
      const state = { state: started.state, verifier: started.verifier, nonce: started.nonce, exp: Date.now() + 10 * 60_000 };
      return reply.setCookie(OIDC_COOKIE, sealer.seal(state), cookieOptions(config, 600)).redirect(started.url.toString(), 302);
    }
    if (!production) return reply.redirect('/app/dev-login', 302);
    return sendPage(reply, messagePage(c, c.t('Masuk belum dikonfigurasi', 'Sign-in is not configured'),
      c.t('Layanan ini belum dihubungkan ke penyedia identitas (DASHBOARD_CLIENT_ID). Hubungi admin.', 'This service is not connected to an identity provider yet (DASHBOARD_CLIENT_ID). Contact the admin.')), 503);
  });

  if (oidc) {
    app.get('/callback', { config: signedOut }, async (request, reply) => {
      const c = pageCtx(request, tz);
      const retry = { href: '/app/login', label: c.t('Coba masuk lagi', 'Try signing in again') };
      const expected = readOidcState(sealer, request.cookies[OIDC_COOKIE], Date.now());
      reply.clearCookie(OIDC_COOKIE, { path: '/app' });
      if (!expected) {
        return sendPage(reply, messagePage(c, c.t('Masuk gagal', 'Sign-in failed'), c.t('Proses masuk sudah kedaluwarsa atau dimulai di peramban lain.', 'The sign-in expired or was started in another browser.'), retry), 400);
      }
      // The callback URL as registered (PUBLIC_URL), whatever Host the request came in with.
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      let auth: AuthContext;
      try {
        auth = await oidc.finish(new URL(`/app/callback${query}`, config.PUBLIC_URL ?? `http://localhost:${config.PORT}`), expected);
      } catch (err) {
        request.log.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'dashboard sign-in failed');
        return sendPage(reply, messagePage(c, c.t('Masuk gagal', 'Sign-in failed'), c.t('Penyedia identitas tidak menyelesaikan proses masuk.', 'The identity provider did not complete the sign-in.'), retry), 400);
      }
      const refused = refusal(request, auth);
      if (refused) return sendPage(reply, messagePage(c, c.t('Tidak ada akses', 'No access'), refused), 403);
      return startSession(reply, auth, 'oidc');
    });
  }

  // The development sign-in exists only outside production and without an identity provider.
  if (!production && !oidc) {
    app.get('/dev-login', { config: signedOut }, async (request, reply) => {
      const c = pageCtx(request, tz);
      const parsed = devLoginQuery.safeParse(request.query);
      const opds = await listOpds();
      if (!parsed.success) return sendPage(reply, devLoginPage(c, opds, c.t('Peran atau kode OPD tidak valid.', 'Invalid role or OPD code.')), 422);
      const { role, opd } = parsed.data;
      if (!role) return sendPage(reply, devLoginPage(c, opds, null));
      if (role === 'opd' && (!opd || !opds.some((o) => o.code === opd))) {
        return sendPage(reply, devLoginPage(c, opds, c.t('Staf OPD memerlukan kode OPD yang terdaftar.', 'OPD staff need a registered OPD code.')), 422);
      }
      const auth: AuthContext = { sub: role === 'opd' ? `dev-opd-${opd}` : `dev-${role}`, roles: [role], opd: role === 'opd' ? (opd as string) : null };
      return startSession(reply, auth, 'dev');
    });
  }

  const logout = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.clearCookie(SESSION_COOKIE, { path: '/app' }).redirect('/app/login?signedOut', 303);
  // Ending a session needs no CSRF check: the worst a forged request can do is sign someone out.
  app.post('/logout', { config: signedOut }, logout);
  app.get('/logout', { config: signedOut }, logout);

  app.get('/lang', { config: signedOut }, async (request, reply) => {
    const q = z.object({ to: z.enum(['id', 'en']).catch('id'), back: z.string().catch('/app') }).parse(request.query);
    // Only a path of ours: never an open redirect.
    const back = /^\/app(?:[/?#]|$)/.test(q.back) && !q.back.startsWith('//') ? q.back : '/app';
    return reply.setCookie(LANG_COOKIE, q.to, { path: '/app', httpOnly: true, sameSite: 'lax', secure: production, maxAge: 365 * 86_400 }).redirect(back, 302);
  });
}
