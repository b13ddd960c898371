import { createPrivateKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, exportJWK, generateKeyPair, type JWK, type JWTVerifyGetKey } from 'jose';
import type { Config } from './config.ts';

/** A private signing key with its public half, as used for ES256 tokens, checkpoints and receipts. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export interface KeyMaterial {
  /** Verifies access tokens (the IdP's JWKS, or the development key). */
  authKeys: JWTVerifyGetKey;
  /** Signs checkpoints and receipts; `auditPublicKeys` also lists retired keys so old signatures verify. */
  auditSigningKey: SigningKey;
  auditPublicKeys: JWK[];
  pseudonymKey: Buffer;
  /** Signs the transparency log's checkpoint notes (Ed25519); its public half is in the audit JWKS. */
  logSigningKey: LogSigningKey;
}

/** An Ed25519 key for C2SP signed notes: the note's key name (LOG_ORIGIN) is bound where it signs. */
export interface LogSigningKey {
  kid: string;
  privateKey: KeyObject;
  /** The raw 32-byte public key, as signed notes and verifier keys encode it. */
  publicKey: Buffer;
  publicJwk: JWK;
}

export async function newEd25519Jwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
}

export function logSigningKeyFromJwk(jwk: JWK): LogSigningKey {
  if (!jwk.kid) throw new Error('the log signing key needs a kid');
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new Error('the log signing key must be a private Ed25519 JWK (kty OKP, crv Ed25519)');
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: jwk.d, x: jwk.x }, format: 'jwk' });
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' };
  return { kid: jwk.kid, privateKey, publicKey: Buffer.from(jwk.x, 'base64url'), publicJwk };
}

/** A fresh log signing key (tests, development). */
export async function newLogSigningKey(kid: string): Promise<LogSigningKey> {
  return logSigningKeyFromJwk(await newEd25519Jwk(kid));
}

async function newEs256Jwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
}

/** Reads a JSON file or, in development, creates it with `make()` (mode 0600). */
async function readOrCreate<T>(file: string, make: () => Promise<T>): Promise<T> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as T;
  mkdirSync(path.dirname(file), { recursive: true });
  const value = await make();
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

export const devKeyFiles = (dataDir: string) => ({
  auth: path.resolve(dataDir, 'keys', 'dev-auth-key.json'),
  audit: path.resolve(dataDir, 'keys', 'dev-audit-signing-key.json'),
  auditRetired: path.resolve(dataDir, 'keys', 'audit-retired-public-keys.json'),
  pseudonym: path.resolve(dataDir, 'keys', 'dev-pseudonym-key.json'),
  log: path.resolve(dataDir, 'keys', 'dev-log-signing-key.json'),
});

export function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  return pub;
}

export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  if (!jwk.kid) throw new Error('the audit signing key needs a kid');
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('the audit signing key must be a private P-256 (ES256) JWK');
  // A node:crypto key, not WebCrypto's: see signJson (audit/signing.ts).
  const privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return { kid: jwk.kid, privateKey, publicJwk: { ...publicPart(jwk), alg: 'ES256', use: 'sig' } };
}

/** The development key pair that `npm run token` signs with (created on first use). */
export async function devAuthJwk(dataDir: string): Promise<JWK> {
  return readOrCreate(devKeyFiles(dataDir).auth, () => newEs256Jwk(`dev-auth-${randomBytes(4).toString('hex')}`));
}

export async function loadKeys(config: Config): Promise<KeyMaterial> {
  const files = devKeyFiles(config.DATA_DIR);
  let authKeys: JWTVerifyGetKey;
  if (config.AUTH_JWKS_URL) {
    authKeys = createRemoteJWKSet(new URL(config.AUTH_JWKS_URL), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  } else if (config.AUTH_JWKS_FILE) {
    authKeys = createLocalJWKSet(JSON.parse(readFileSync(config.AUTH_JWKS_FILE, 'utf8')));
  } else {
    authKeys = createLocalJWKSet({ keys: [publicPart(await devAuthJwk(config.DATA_DIR))] });
  }

  const auditJwk = config.AUDIT_SIGNING_KEY_FILE
    ? (JSON.parse(readFileSync(config.AUDIT_SIGNING_KEY_FILE, 'utf8')) as JWK)
    : await readOrCreate(files.audit, () => newEs256Jwk(`dev-audit-${randomBytes(4).toString('hex')}`));
  const auditSigningKey = await signingKeyFromJwk(auditJwk);
  // Retired public keys stay published so checkpoints and receipts signed before a rotation verify.
  const retiredFile = config.AUDIT_SIGNING_KEY_FILE ? `${config.AUDIT_SIGNING_KEY_FILE}.retired.json` : files.auditRetired;
  const retired = existsSync(retiredFile) ? (JSON.parse(readFileSync(retiredFile, 'utf8')) as { keys: JWK[] }).keys : [];
  const auditPublicKeys = [auditSigningKey.publicJwk, ...retired.filter((k) => k.kid !== auditSigningKey.kid).map(publicPart)];

  const pseudonymKey = config.PSEUDONYM_KEY
    ? Buffer.from(config.PSEUDONYM_KEY, 'base64')
    : Buffer.from(
        await readOrCreate(files.pseudonym, async () => randomBytes(32).toString('base64')),
        'base64',
      );
  const logJwk = config.LOG_SIGNING_KEY_FILE
    ? (JSON.parse(readFileSync(config.LOG_SIGNING_KEY_FILE, 'utf8')) as JWK)
    : await readOrCreate(files.log, () => newEd25519Jwk(`dev-log-${randomBytes(4).toString('hex')}`));
  const logSigningKey = logSigningKeyFromJwk(logJwk);
  return { authKeys, auditSigningKey, auditPublicKeys, pseudonymKey, logSigningKey };
}
