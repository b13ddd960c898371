import { randomBytes } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK } from 'jose';
import { newLogSigningKey, publicPart, signingKeyFromJwk, type KeyMaterial } from '../../src/keys.ts';

export interface TestKeys {
  keys: KeyMaterial;
  /** The identity provider's private key that test tokens are signed with. */
  idpJwk: JWK;
  idpPublicJwk: JWK;
  auditJwk: JWK;
}

export async function es256Jwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
}

export async function makeTestKeys(): Promise<TestKeys> {
  const idpJwk = await es256Jwk('test-idp');
  const auditJwk = await es256Jwk('test-audit-1');
  const auditSigningKey = await signingKeyFromJwk(auditJwk);
  const idpPublicJwk = publicPart(idpJwk);
  return {
    idpJwk,
    idpPublicJwk,
    auditJwk,
    keys: {
      authKeys: createLocalJWKSet({ keys: [idpPublicJwk] }),
      auditSigningKey,
      auditPublicKeys: [auditSigningKey.publicJwk],
      pseudonymKey: randomBytes(32),
      logSigningKey: await newLogSigningKey('test-log-1'),
    },
  };
}
