import { describe, expect, it } from 'vitest';
import { SignJWT, base64url, exportSPKI, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { buildTestApp } from './helpers/app.ts';
import { es256Jwk } from './helpers/keys.ts';
import { protectedOperations, publicOperations, type OpenApiDocument, type Operation } from './helpers/openapi-routes.ts';

// One suite for every protected route of the OpenAPI document: a route added later is covered
// without editing this file. Authentication runs before validation, so no body is needed.

describe('authentication on every protected route', async () => {
  // Hundreds of bad tokens from one address: the per-address failure limit is not what this suite checks.
  const t = await buildTestApp({ env: { AUTH_FAILURES_PER_MINUTE: '1000000' } });
  const { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience } = t.config;
  const docResponse = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  if (docResponse.statusCode !== 200) throw new Error(`GET /openapi.json answered ${docResponse.statusCode}; the suite needs the document (run test/openapi.test.ts)`);
  const doc = docResponse.json() as OpenApiDocument;
  const operations = protectedOperations(doc);
  const idpKey = (await importJWK(t.testKeys.idpJwk, 'ES256')) as CryptoKey;
  const now = () => Math.floor(Date.now() / 1000);

  /** A token as the identity provider would sign it, with the given changes. */
  async function token(
    payload: JWTPayload = { roles: ['admin'] },
    options: { key?: CryptoKey | Uint8Array; alg?: string; kid?: string; iss?: string; aud?: string | string[]; exp?: number | null; sub?: string | null } = {},
  ): Promise<string> {
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: options.alg ?? 'ES256', typ: 'JWT', kid: options.kid ?? t.testKeys.idpJwk.kid ?? 'test-idp' })
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.aud ?? audience)
      .setIssuedAt();
    if (options.sub !== null) jwt.setSubject(options.sub ?? 'attacker');
    if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now() + 600);
    return jwt.sign(options.key ?? idpKey);
  }

  const unsigned = (header: object, payload: object) =>
    `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.`;

  const publicPem = await exportSPKI((await importJWK(t.testKeys.idpPublicJwk, 'ES256')) as CryptoKey);
  const strangerJwk: JWK = await es256Jwk('stranger');
  const strangerKey = (await importJWK(strangerJwk, 'ES256')) as CryptoKey;
  const rsa = await generateKeyPair('RS256');
  const valid = await token();
  const [validHeader, , validSignature] = valid.split('.');

  // Each value is the Authorization header to send (undefined: none at all).
  const negatives: Array<[string, () => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    ['an empty bearer', async () => 'Bearer '],
    ['another scheme', async () => `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['garbage', async () => 'Bearer not.a.jwt'],
    ['an expired token (beyond the 30 s tolerance)', async () => `Bearer ${await token(undefined, { exp: now() - 120 })}`],
    ['a token without exp', async () => `Bearer ${await token(undefined, { exp: null })}`],
    ['a token without sub', async () => `Bearer ${await token(undefined, { sub: null })}`],
    ['a wrong iss', async () => `Bearer ${await token(undefined, { iss: 'https://evil.example' })}`],
    ['a wrong aud', async () => `Bearer ${await token(undefined, { aud: 'another-service' })}`],
    ['alg none', async () => `Bearer ${unsigned({ alg: 'none', typ: 'JWT' }, { sub: 'attacker', roles: ['admin'], iss: issuer, aud: audience, exp: now() + 600 })}`],
    [
      'HS256 signed with the public key as the secret',
      async () => `Bearer ${await token(undefined, { alg: 'HS256', key: new TextEncoder().encode(publicPem) })}`,
    ],
    [
      'HS256 signed with the public JWK as the secret',
      async () => `Bearer ${await token(undefined, { alg: 'HS256', key: new TextEncoder().encode(JSON.stringify(t.testKeys.idpPublicJwk)) })}`,
    ],
    ['a token signed by an unknown key', async () => `Bearer ${await token(undefined, { key: strangerKey, kid: 'stranger' })}`],
    ['an unknown key claiming the known kid', async () => `Bearer ${await token(undefined, { key: strangerKey })}`],
    ['an RS256 token from an unknown key', async () => `Bearer ${await token(undefined, { alg: 'RS256', key: rsa.privateKey, kid: 'rsa-1' })}`],
    [
      'a tampered payload (roles raised, signature kept)',
      async () => {
        const payload = base64url.encode(JSON.stringify({ sub: 'finance-user', roles: ['admin'], iss: issuer, aud: audience, exp: now() + 600 }));
        return `Bearer ${validHeader}.${payload}.${validSignature}`;
      },
    ],
  ];

  it('finds the protected operations in the document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(3);
    expect(operations.map((o) => o.name)).toEqual(expect.arrayContaining(['GET /v1/opds', 'POST /v1/opds']));
  });

  const send = (op: Operation, authorization: string | undefined) =>
    t.app.inject({ method: op.method, url: op.url, headers: authorization === undefined ? {} : { authorization } });

  describe.each(negatives)('%s', (_label, makeHeader) => {
    it.each(operations.map((o) => [o.name, o] as const))('answers 401 on %s', async (_name, op) => {
      const res = await send(op, await makeHeader());
      expect(res.statusCode, res.body).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    });
  });

  it.each(operations.map((o) => [o.name, o] as const))('lets a valid token through authentication on %s', async (_name, op) => {
    const res = await send(op, `Bearer ${valid}`);
    expect(res.statusCode, res.body).not.toBe(401);
    expect(res.statusCode, res.body).toBeLessThan(500);
  });

  it.each(operations.map((o) => [o.name, o] as const))('answers 403 on %s to a token whose roles are all unknown', async (_name, op) => {
    const res = await send(op, `Bearer ${await token({ roles: ['superuser', 'root'] })}`);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().code).toBe('FORBIDDEN');
  });

  it('accepts a token that expired within the 30 s clock tolerance', async () => {
    const res = await t.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${await token(undefined, { exp: now() - 10 })}` } });
    expect(res.statusCode).toBe(200);
  });

  it('ignores unknown roles next to a known one', async () => {
    const res = await t.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${await token({ roles: ['superuser', 'finance'] })}` } });
    expect(res.statusCode).toBe(200);
    // ...and the known one keeps its limits: finance may not add OPDs.
    const write = await t.app.inject({
      method: 'POST',
      url: '/v1/opds',
      headers: { authorization: `Bearer ${await token({ roles: ['superuser', 'finance'] })}` },
      payload: { code: 'XROLE', name: 'Tidak boleh' },
    });
    expect(write.statusCode).toBe(403);
  });

  it('refuses role opd without an OPD code (403), and a roles claim that is not an array', async () => {
    const noOpd = await t.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${await token({ roles: ['opd'] })}` } });
    expect(noOpd.statusCode).toBe(403);
    expect(noOpd.json().code).toBe('FORBIDDEN');
    const stringRoles = await t.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${await token({ roles: 'admin' })}` } });
    expect(stringRoles.statusCode).toBe(403);
    const withOpd = await t.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${await token({ roles: ['opd'], opd: 'DPUPR' })}` } });
    expect(withOpd.statusCode).toBe(200);
  });

  describe('with a Keycloak-shaped token (AUTH_ROLES_CLAIM=realm_access.roles)', async () => {
    const kc = await buildTestApp({ env: { AUTH_ROLES_CLAIM: 'realm_access.roles', AUTH_OPD_CLAIM: 'opd' }, testKeys: t.testKeys });
    const keycloakToken = (roles: string[], extra: JWTPayload = {}) =>
      token(
        {
          typ: 'Bearer',
          azp: 'bpkad-finance',
          scope: 'openid profile',
          realm_access: { roles: ['offline_access', 'uma_authorization', 'default-roles-pemkot', ...roles] },
          resource_access: { account: { roles: ['manage-account'] } },
          preferred_username: 'sistem-keuangan',
          ...extra,
        },
        { aud: [audience, 'account'] },
      );

    it('reads roles from realm_access.roles', async () => {
      const res = await kc.app.inject({ method: 'POST', url: '/v1/opds', headers: { authorization: `Bearer ${await keycloakToken(['admin'])}` }, payload: { code: 'KCOPD', name: 'Dinas Uji Keycloak' } });
      expect(res.statusCode, res.body).toBe(201);
      const opd = await kc.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${await keycloakToken(['opd'], { opd: 'DPUPR' })}` } });
      expect(opd.statusCode).toBe(200);
    });

    it('does not read roles from anywhere else', async () => {
      const res = await kc.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${await token({ roles: ['admin'] })}` } });
      expect(res.statusCode).toBe(403);
    });

    it('still refuses the same token with a wrong audience', async () => {
      const wrong = await token({ realm_access: { roles: ['admin'] } }, { aud: ['account'] });
      const res = await kc.app.inject({ url: '/v1/opds', headers: { authorization: `Bearer ${wrong}` } });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('public routes', () => {
    it.each(publicOperations(doc).map((o) => [o.name, o] as const))('%s answers without a token, and ignores a bad one', async (_name, op) => {
      for (const headers of [{}, { authorization: 'Bearer not.a.jwt' }]) {
        const res = await t.app.inject({ method: op.method, url: op.url, headers });
        expect(res.statusCode, res.body).toBe(200);
      }
    });

    it.each(['/openapi.json', '/docs', '/docs/json'])('%s answers without a token', async (url) => {
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(200);
    });

    it('serves the audit JWKS without a token (once the audit routes exist)', async () => {
      const res = await t.app.inject({ url: '/v1/audit/jwks.json' });
      expect(res.statusCode).not.toBe(401);
      expect(res.statusCode).toBe(t.app.hasRoute({ method: 'GET', url: '/v1/audit/jwks.json' }) ? 200 : 404);
    });

    it('documents exactly the public routes as needing no security', () => {
      const open = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => Array.isArray(op.security) && op.security.length === 0)
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      );
      expect(open.sort()).toEqual(publicOperations(doc).map((o) => o.name).sort());
    });
  });
});
