import { SignJWT, createLocalJWKSet, importJWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../src/http/auth.ts';
import { publicPart } from '../src/keys.ts';
import { es256Jwk } from './helpers/keys.ts';

describe('verified-token cache', async () => {
  const jwk = await es256Jwk('cache-test');
  const key = await importJWK(jwk, 'ES256');
  const settings = { keys: createLocalJWKSet({ keys: [publicPart(jwk)] }), issuer: 'gerbang-dev', audience: 'gerbang', rolesClaim: 'roles', opdClaim: 'opd' };
  const token = (expSeconds: number) =>
    new SignJWT({ roles: ['finance'] })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
      .setSubject('finance-1')
      .setIssuer('gerbang-dev')
      .setAudience('gerbang')
      .setExpirationTime(expSeconds)
      .sign(key);

  it('stops honouring a cached token once it is past exp plus the 30 s tolerance', async () => {
    const verify = createTokenVerifier(settings);
    // Expired 29 s ago: still inside the tolerance for about one more second.
    const t = await token(Math.floor(Date.now() / 1000) - 29);
    await expect(verify(t)).resolves.toEqual({ sub: 'finance-1', roles: ['finance'], opd: null });
    await new Promise((r) => setTimeout(r, 2_100));
    await expect(verify(t)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('keeps no failure: a token refused once is refused again, and never poisons a good one', async () => {
    const verify = createTokenVerifier(settings, { maxEntries: 1 });
    const good = await token(Math.floor(Date.now() / 1000) + 600);
    const tampered = `${good.slice(0, -4)}AAAA`;
    await expect(verify(tampered)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify(good)).resolves.toMatchObject({ sub: 'finance-1' });
    await expect(verify(tampered)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});
