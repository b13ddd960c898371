// The OIDC sign-in against a real (small) identity provider over HTTP: discovery, the authorization
// code flow with PKCE S256, the client secret, and the access token verified as the API verifies it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newEd25519Jwk } from '../../src/keys.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeTestKeys } from '../helpers/keys.ts';
import { startOidcProvider, type OidcProvider } from './oidc-provider.ts';

const PUBLIC_URL = 'http://127.0.0.1:3999';
let t: TestApp;
let idp: OidcProvider;

beforeAll(async () => {
  const testKeys = await makeTestKeys();
  idp = await startOidcProvider({ accessKey: testKeys.idpJwk, clientId: 'gerbang-dashboard', clientSecret: 's3cret', audience: 'gerbang', user: { sub: 'ppk-1', roles: ['opd'], opd: 'DPUPR' } });
  t = await buildTestApp({
    testKeys,
    env: { AUTH_ISSUER: idp.issuer, DASHBOARD_CLIENT_ID: 'gerbang-dashboard', DASHBOARD_CLIENT_SECRET: 's3cret', PUBLIC_URL },
  });
});
afterAll(async () => idp?.close());

const cookieOf = (setCookie: unknown, name: string): string => {
  const m = new RegExp(`${name}=([^;]*)`).exec(String(setCookie));
  if (!m) throw new Error(`no ${name} cookie`);
  return `${name}=${m[1]}`;
};

/** /app/login -> the provider -> back to /app/callback, as a browser would follow it. */
async function signInThroughProvider() {
  const login = await t.app.inject({ method: 'GET', url: '/app/login' });
  expect(login.statusCode).toBe(302);
  const authorize = new URL(String(login.headers.location));
  const atProvider = await fetch(authorize, { redirect: 'manual' });
  expect(atProvider.status).toBe(302);
  const back = new URL(atProvider.headers.get('location') ?? '');
  return { login, authorize, back, oidcCookie: cookieOf(login.headers['set-cookie'], 'gerbang_oidc') };
}

describe('OIDC sign-in', () => {
  it('goes to the issuer with PKCE S256 and comes back with a session holding the token\'s roles and OPD', async () => {
    idp.user = { sub: 'ppk-1', roles: ['opd'], opd: 'DPUPR' };
    const { authorize, back, oidcCookie } = await signInThroughProvider();
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.issuer}/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/app/callback`);
    expect(authorize.searchParams.get('client_id')).toBe('gerbang-dashboard');
    expect(back.pathname).toBe('/app/callback');

    const callback = await t.app.inject({ method: 'GET', url: `/app/callback${back.search}`, headers: { cookie: oidcCookie } });
    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/app');
    expect(idp.tokenRequests.at(-1)).toEqual({ pkce: true, redirectUri: `${PUBLIC_URL}/app/callback`, clientAuthenticated: true });

    const home = await t.app.inject({ method: 'GET', url: '/app', headers: { cookie: cookieOf(callback.headers['set-cookie'], 'gerbang_session') } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Paket DPUPR');
    expect(home.body).toContain('Staf OPD DPUPR');
  });

  it('refuses a callback whose state is not the one this browser started with, and a code used twice', async () => {
    const first = await signInThroughProvider();
    const second = await signInThroughProvider();
    const crossed = await t.app.inject({ method: 'GET', url: `/app/callback${first.back.search}`, headers: { cookie: second.oidcCookie } });
    expect(crossed.statusCode).toBe(400);
    expect(String(crossed.headers['set-cookie'] ?? '')).not.toContain('gerbang_session=');
    const ok = await t.app.inject({ method: 'GET', url: `/app/callback${second.back.search}`, headers: { cookie: second.oidcCookie } });
    expect(ok.statusCode).toBe(302);
    const replayed = await t.app.inject({ method: 'GET', url: `/app/callback${second.back.search}`, headers: { cookie: second.oidcCookie } });
    expect(replayed.statusCode).toBe(400);
    const none = await t.app.inject({ method: 'GET', url: `/app/callback${first.back.search}` });
    expect(none.statusCode).toBe(400);
  });

  it('gives finance, a machine client, no dashboard', async () => {
    idp.user = { sub: 'bpkad-1', roles: ['finance'] };
    const { back, oidcCookie } = await signInThroughProvider();
    const callback = await t.app.inject({ method: 'GET', url: `/app/callback${back.search}`, headers: { cookie: oidcCookie } });
    expect(callback.statusCode).toBe(403);
    expect(String(callback.headers['set-cookie'] ?? '')).not.toContain('gerbang_session=');
  });

  it('has no development sign-in when an identity provider is configured', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/app/dev-login?role=admin' })).statusCode).toBe(404);
  });
});

// Production builds the webhook signer from its key file, so the app needs a real one.
const webhookKeyFile = path.join(mkdtempSync(path.join(tmpdir(), 'gerbang-oidc-')), 'webhook.jwk.json');
writeFileSync(webhookKeyFile, JSON.stringify(await newEd25519Jwk('oidc-test-webhook')));

describe('production', () => {
  it('has no development sign-in and says sign-in is not configured', async () => {
    const prod = await buildTestApp({
      env: { NODE_ENV: 'production', AUTH_JWKS_FILE: '/dev/null', AUDIT_SIGNING_KEY_FILE: '/dev/null', WEBHOOK_SIGNING_KEY_FILE: webhookKeyFile, LOG_SIGNING_KEY_FILE: '/dev/null', PSEUDONYM_KEY: Buffer.alloc(32, 7).toString('base64'), SESSION_SECRET: Buffer.alloc(32, 9).toString('base64') },
    });
    expect((await prod.app.inject({ method: 'GET', url: '/app/dev-login' })).statusCode).toBe(404);
    expect((await prod.app.inject({ method: 'GET', url: '/app/dev-login?role=opd&opd=DPUPR' })).statusCode).toBe(404);
    const login = await prod.app.inject({ method: 'GET', url: '/app/login' });
    expect(login.statusCode).toBe(503);
    expect(login.body).toContain('DASHBOARD_CLIENT_ID');
    expect((await prod.app.inject({ method: 'GET', url: '/app' })).headers.location).toBe('/app/login');
  });

  it('marks the OIDC cookies Secure in production', async () => {
    const prod = await buildTestApp({
      testKeys: t.testKeys,
      env: {
        NODE_ENV: 'production', AUTH_JWKS_FILE: '/dev/null', AUDIT_SIGNING_KEY_FILE: '/dev/null', WEBHOOK_SIGNING_KEY_FILE: webhookKeyFile, LOG_SIGNING_KEY_FILE: '/dev/null', PSEUDONYM_KEY: Buffer.alloc(32, 7).toString('base64'),
        SESSION_SECRET: Buffer.alloc(32, 9).toString('base64'), AUTH_ISSUER: idp.issuer, DASHBOARD_CLIENT_ID: 'gerbang-dashboard', DASHBOARD_CLIENT_SECRET: 's3cret', PUBLIC_URL,
      },
    });
    const login = await prod.app.inject({ method: 'GET', url: '/app/login' });
    expect(login.statusCode).toBe(302);
    expect(String(login.headers['set-cookie'])).toMatch(/gerbang_oidc=[^;]+;.*Secure/);
  });
});
