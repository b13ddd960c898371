import { sign } from 'node:crypto';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import type { SigningKey } from '../keys.ts';

/*
 * Checkpoints and receipts are compact JWS (ES256) signed with AUDIT_SIGNING_KEY_FILE, the key id
 * in the protected header; GET /v1/audit/jwks.json publishes the public keys.
 *
 * Rotating the signing key (old signatures must keep verifying, so the old public key stays
 * published):
 *   1. Create a new P-256 private JWK with a new `kid`, e.g.
 *      node -e "import('jose').then(async j => { const { privateKey } = await j.generateKeyPair('ES256', { extractable: true });
 *        console.log(JSON.stringify({ ...(await j.exportJWK(privateKey)), kid: 'audit-2026-01', alg: 'ES256' })) })"
 *   2. Add the OLD key's public half (kty, crv, x, y, kid; never `d`) to
 *      `<AUDIT_SIGNING_KEY_FILE>.retired.json` as { "keys": [ ... ] } (in development:
 *      DATA_DIR/keys/audit-retired-public-keys.json).
 *   3. Put the new private JWK at AUDIT_SIGNING_KEY_FILE and restart every instance.
 * New checkpoints and receipts carry the new kid; verifiers pick the key by kid from the JWKS,
 * which now lists the current key first and every retired key after it. Never remove a retired key
 * while a receipt or checkpoint signed with it may still be checked.
 */

/** Distinguishes the two documents, so a checkpoint can never be presented as a receipt. */
export type SignedKind = 'gerbang-checkpoint+jws' | 'gerbang-receipt+jws';

/**
 * The compact JWS that jose's CompactSign makes, signed by node:crypto instead: WebCrypto runs each
 * ECDSA signature as a job on the thread pool (about 0.1 ms, and one more thread to schedule on a
 * busy machine), node:crypto signs in about 30 us on the calling thread. Every checkpoint request
 * signs one (its `at` is the time it is answered).
 */
export async function signJson(key: SigningKey, kind: SignedKind, payload: unknown): Promise<string> {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: key.kid, typ: kind }), 'utf8').toString('base64url');
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  // ES256 (RFC 7518 3.4): the signature is r || s, 32 bytes each, not DER.
  const signature = sign('sha256', Buffer.from(`${header}.${body}`, 'ascii'), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${body}.${signature.toString('base64url')}`;
}

/** Verifies a compact JWS against a JWKS (ES256 only) and returns its JSON payload; throws when invalid. */
export async function verifyJson(jws: string, jwks: JSONWebKeySet | { keys: JWK[] }, kind?: SignedKind): Promise<{ payload: unknown; kid: string | undefined }> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks as JSONWebKeySet), { algorithms: ['ES256'] });
  if (kind && protectedHeader.typ !== kind) throw new Error(`expected a ${kind}, got ${String(protectedHeader.typ)}`);
  return { payload: JSON.parse(new TextDecoder().decode(payload)) as unknown, kid: protectedHeader.kid };
}

