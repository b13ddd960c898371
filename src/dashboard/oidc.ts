// Sign-in at the identity provider: OIDC authorization code flow with PKCE (S256), done by
// openid-client. The access token it returns is then verified exactly as the API verifies a bearer
// token (same keys, issuer, audience, claim paths), so a page sees the roles and OPD the API would.
import type * as Oidc from 'openid-client';
import type { Config } from '../config.ts';
import type { AuthContext } from '../http/auth.ts';

export interface OidcStart {
  url: URL;
  state: string;
  verifier: string;
  nonce: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const isLoopback = (url: URL): boolean => LOOPBACK.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);

export function redirectUri(config: Config): string {
  const base = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  return new URL('/app/callback', base).toString();
}

export function createOidcClient(config: Config, verifyAccessToken: (token: string) => Promise<AuthContext>) {
  const clientId = config.DASHBOARD_CLIENT_ID;
  if (!clientId) return null;
  const issuer = new URL(config.AUTH_ISSUER);
  // Plain http is tolerated only on this machine (a test provider, a local Keycloak).
  const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
  let discovered: Promise<Oidc.Configuration> | undefined;
  // Loaded on first use: deployments without an identity provider never pay for it at start-up.
  const library = () => import('openid-client');

  function configuration(): Promise<Oidc.Configuration> {
    discovered ??= library().then((oidc) => oidc
      .discovery(
        issuer,
        clientId as string,
        config.DASHBOARD_CLIENT_SECRET,
        config.DASHBOARD_CLIENT_SECRET ? oidc.ClientSecretPost(config.DASHBOARD_CLIENT_SECRET) : oidc.None(),
        // openid-client's own 30 s request timeout: a busy identity provider is slow, not absent.
        insecure ? { execute: [oidc.allowInsecureRequests] } : {},
      ))
      // A failed discovery is tried again at the next sign-in rather than remembered.
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  }

  return {
    async start(): Promise<OidcStart> {
      const [server, oidc] = await Promise.all([configuration(), library()]);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const url = oidc.buildAuthorizationUrl(server, {
        redirect_uri: redirectUri(config),
        scope: 'openid',
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      return { url, state, verifier, nonce };
    },

    /** Exchanges the code of `callbackUrl` and returns who signed in, as the API would see them. */
    async finish(callbackUrl: URL, expected: { state: string; verifier: string; nonce: string }): Promise<AuthContext> {
      const [server, oidc] = await Promise.all([configuration(), library()]);
      const tokens = await oidc.authorizationCodeGrant(server, callbackUrl, {
        pkceCodeVerifier: expected.verifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
      return verifyAccessToken(tokens.access_token);
    },
  };
}
export type OidcClient = NonNullable<ReturnType<typeof createOidcClient>>;
