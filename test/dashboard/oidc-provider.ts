// A small OpenID provider for tests: discovery, an authorization endpoint that signs the user in at
// once, a token endpoint that checks the client secret, the redirect URI and the PKCE (S256)
// verifier, and a JWKS. Access tokens carry roles and OPD where the API reads them.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export interface ProviderUser {
  sub: string;
  roles: string[];
  opd?: string;
}

export interface OidcProvider {
  issuer: string;
  /** Who the next sign-in is (the provider's login screen, decided by the test). */
  user: ProviderUser;
  /** Token requests seen, with whether their PKCE verifier matched. */
  tokenRequests: Array<{ pkce: boolean; redirectUri: string | null; clientAuthenticated: boolean }>;
  close(): Promise<void>;
}

const b64url = (buf: Buffer): string => buf.toString('base64url');

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return new URLSearchParams(text);
}

export async function startOidcProvider(o: { accessKey: JWK; clientId: string; clientSecret: string; audience: string; user: ProviderUser }): Promise<OidcProvider> {
  // ID tokens in RS256, as an identity provider signs them by default; access tokens in ES256.
  const { privateKey: idKey, publicKey: idPublic } = await generateKeyPair('RS256', { extractable: true });
  const idJwk = { ...(await exportJWK(idPublic)), kid: 'test-id', alg: 'RS256', use: 'sig' };
  const accessKey = await importJWK(o.accessKey, 'ES256');
  const { d: _d, ...accessPublic } = o.accessKey;
  const codes = new Map<string, { challenge: string; redirectUri: string; nonce: string | null; user: ProviderUser }>();
  let issuer = '';

  const provider: OidcProvider = { issuer: '', user: o.user, tokenRequests: [], close: async () => {} };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [idJwk, { ...accessPublic, use: 'sig', alg: 'ES256' }] });
    if (url.pathname === '/authorize') {
      const p = url.searchParams;
      const redirectUri = p.get('redirect_uri') ?? '';
      if (p.get('client_id') !== o.clientId || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge')) {
        return json(400, { error: 'invalid_request' });
      }
      const code = b64url(randomBytes(16));
      codes.set(code, { challenge: p.get('code_challenge') as string, redirectUri, nonce: p.get('nonce'), user: provider.user });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      if (p.get('state')) back.searchParams.set('state', p.get('state') as string);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const p = await body(req);
      const grant = codes.get(p.get('code') ?? '');
      const verifier = p.get('code_verifier') ?? '';
      const pkce = grant !== undefined && b64url(createHash('sha256').update(verifier).digest()) === grant.challenge;
      const clientAuthenticated = p.get('client_id') === o.clientId && p.get('client_secret') === o.clientSecret;
      provider.tokenRequests.push({ pkce, redirectUri: p.get('redirect_uri'), clientAuthenticated });
      if (!clientAuthenticated) return json(401, { error: 'invalid_client' });
      if (!grant || !pkce || p.get('grant_type') !== 'authorization_code' || p.get('redirect_uri') !== grant.redirectUri) {
        return json(400, { error: 'invalid_grant' });
      }
      codes.delete(p.get('code') ?? '');
      const now = Math.floor(Date.now() / 1000);
      const access = await new SignJWT({ roles: grant.user.roles, ...(grant.user.opd ? { opd: grant.user.opd } : {}) })
        .setProtectedHeader({ alg: 'ES256', kid: o.accessKey.kid as string, typ: 'JWT' })
        .setIssuer(issuer).setAudience(o.audience).setSubject(grant.user.sub).setIssuedAt(now).setExpirationTime(now + 300).sign(accessKey);
      const id = await new SignJWT(grant.nonce ? { nonce: grant.nonce } : {})
        .setProtectedHeader({ alg: 'RS256', kid: 'test-id' })
        .setIssuer(issuer).setAudience(o.clientId).setSubject(grant.user.sub).setIssuedAt(now).setExpirationTime(now + 300).sign(idKey);
      return json(200, { access_token: access, id_token: id, token_type: 'Bearer', expires_in: 300 });
    }
    return json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider.issuer = issuer;
  provider.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return provider;
}
