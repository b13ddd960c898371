// The OIDC sign-in in a real browser: Chromium follows /app/login to the in-test identity provider
// and back to /app/callback (authorization code + PKCE), and lands signed in on the OPD's projects.
import { freePort } from '../helpers/free-port.ts';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { makeTestKeys } from '../helpers/keys.ts';
import { launch } from './browser.ts';
import { startOidcProvider, type OidcProvider } from './oidc-provider.ts';

let t: TestApp;
let idp: OidcProvider;
let browser: Browser;
let base: string;

beforeAll(async () => {
  const testKeys = await makeTestKeys();
  idp = await startOidcProvider({ accessKey: testKeys.idpJwk, clientId: 'gerbang-dashboard', clientSecret: 's3cret', audience: 'gerbang', user: { sub: 'ppk-7', roles: ['opd'], opd: 'DPUPR' } });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  t = await buildTestApp({ testKeys, env: { AUTH_ISSUER: idp.issuer, DASHBOARD_CLIENT_ID: 'gerbang-dashboard', DASHBOARD_CLIENT_SECRET: 's3cret', PUBLIC_URL: base } });
  await t.app.listen({ host: '127.0.0.1', port });
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await idp?.close();
});

describe('OIDC sign-in in the browser', () => {
  it('goes to the identity provider and comes back signed in, then signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(30_000);
    try {
      const page = await context.newPage();
      await page.goto(`${base}/app`);
      await page.waitForURL(`${base}/app`);
      const heading = await page.getByRole('heading', { level: 1 }).textContent();
      // On a failed sign-in the page says why: show it rather than only the heading.
      expect(heading, heading === 'Paket DPUPR' ? '' : await page.locator('main').innerText()).toBe('Paket DPUPR');
      expect(idp.tokenRequests.at(-1)).toEqual({ pkce: true, redirectUri: `${base}/app/callback`, clientAuthenticated: true });
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'gerbang_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/app' });
      expect(await page.evaluate('document.cookie')).toBe('');
      await page.getByRole('button', { name: 'Keluar' }).click();
      await page.waitForURL(`${base}/app/login?signedOut`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Anda sudah keluar');
    } finally {
      await context.close();
    }
  }, 60_000);
});
