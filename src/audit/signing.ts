import { CompactSign, compactVerify, createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
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

export async function signJson(key: SigningKey, kind: SignedKind, payload: unknown): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: kind })
    .sign(key.privateKey);
}

/** Verifies a compact JWS against a JWKS (ES256 only) and returns its JSON payload; throws when invalid. */
export async function verifyJson(jws: string, jwks: JSONWebKeySet | { keys: JWK[] }, kind?: SignedKind): Promise<{ payload: unknown; kid: string | undefined }> {
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks as JSONWebKeySet), { algorithms: ['ES256'] });
  if (kind && protectedHeader.typ !== kind) throw new Error(`expected a ${kind}, got ${String(protectedHeader.typ)}`);
  return { payload: JSON.parse(new TextDecoder().decode(payload)) as unknown, kid: protectedHeader.kid };
}

