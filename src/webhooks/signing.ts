// Standard Webhooks 1.0, asymmetric form: `webhook-signature: v1a,<base64 Ed25519 signature>` over
// `{webhook-id}.{webhook-timestamp}.{body}`. The public key is published at /v1/webhooks/jwks.json,
// so a receiver verifies without any shared secret.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';

export interface WebhookSigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; alg: 'EdDSA'; use: 'sig' };
}

interface Ed25519Jwk { kty: string; crv: string; x: string; d: string; kid?: string }

export function webhookKeyFromJwk(jwk: Ed25519Jwk): WebhookSigningKey {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d) throw new Error('the webhook signing key must be a private Ed25519 JWK (kty OKP, crv Ed25519)');
  const kid = jwk.kid ?? 'webhook-1';
  const privateKey = createPrivateKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, format: 'jwk' });
  const x = (createPublicKey(privateKey).export({ format: 'jwk' }) as { x: string }).x;
  return { kid, privateKey, publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig' } };
}

export function newWebhookJwk(kid = `dev-webhook-${randomBytes(4).toString('hex')}`): Ed25519Jwk {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { ...(privateKey.export({ format: 'jwk' }) as Ed25519Jwk), kid };
}

/**
 * WEBHOOK_SIGNING_KEY_FILE, else (development) a key created once in DATA_DIR; tests get a fresh
 * key in memory so that they never write into the working tree.
 */
export function loadWebhookKey(config: Config): WebhookSigningKey {
  if (config.WEBHOOK_SIGNING_KEY_FILE) return webhookKeyFromJwk(JSON.parse(readFileSync(config.WEBHOOK_SIGNING_KEY_FILE, 'utf8')) as Ed25519Jwk);
  if (config.NODE_ENV === 'test') return webhookKeyFromJwk(newWebhookJwk('test-webhook'));
  const file = path.resolve(config.DATA_DIR, 'keys', 'dev-webhook-signing-key.json');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${JSON.stringify(newWebhookJwk(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
  }
  return webhookKeyFromJwk(JSON.parse(readFileSync(file, 'utf8')) as Ed25519Jwk);
}

export function signatureHeader(key: WebhookSigningKey, id: string, timestamp: number, body: string): string {
  return `v1a,${sign(null, Buffer.from(`${id}.${timestamp}.${body}`), key.privateKey).toString('base64')}`;
}
