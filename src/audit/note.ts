import { createPrivateKey, createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto';

/*
 * C2SP signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and
 * cosignatures (c2sp.org/tlog-cosignature, cosignature/v1), with node:crypto's Ed25519 only, so
 * the offline verifier shares this file with the server.
 *
 * A checkpoint note: "<origin>\n<tree size>\n<base64 root>\n", a blank line, then one line per
 * signature: "— <key name> <base64(4-byte key id || signature)>\n".
 * Key id = SHA-256(<name> || "\n" || <type byte> || <32-byte Ed25519 public key>)[:4]; type 0x01
 * for the log's own (plain Ed25519) signature, 0x04 for a witness's timestamped cosignature.
 */

export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;
const DASH = '\u2014'; // the em dash that starts every signature line

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

export interface SignatureLine {
  name: string;
  keyId: Buffer;
  /** The bytes after the key id: an Ed25519 signature, or timestamp (8) || signature for a cosignature. */
  signature: Buffer;
  line: string;
}

/** A public key as a verifier knows it: the name it signs under and its key id for one signature type. */
export interface NoteVerifier {
  name: string;
  type: number;
  keyId: Buffer;
  publicKey: Buffer;
}

export interface NoteSigner extends NoteVerifier {
  privateKey: KeyObject;
}

export function keyId(name: string, type: number, publicKey: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), Buffer.of(type), publicKey]), 'buffer').subarray(0, 4);
}

export function checkpointBody(c: Checkpoint): string {
  return `${c.origin}\n${c.treeSize}\n${c.rootHash.toString('base64')}\n`;
}

const NAME = /^[^\s+\u2014]+$/u;

export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** A signer from a private Ed25519 JWK (`d` and `x`), signing under `name`. */
export function noteSignerFromJwk(jwk: { kty?: string; crv?: string; d?: string; x?: string }, name: string, type = ED25519): NoteSigner {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new Error('expected a private Ed25519 JWK (kty OKP, crv Ed25519, d, x)');
  if (!NAME.test(name)) throw new Error(`"${name}" cannot be a key name (no spaces, + or em dash)`);
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: jwk.d, x: jwk.x }, format: 'jwk' });
  const publicKey = Buffer.from(jwk.x, 'base64url');
  return { name, type, keyId: keyId(name, type, publicKey), publicKey, privateKey };
}

/** The C2SP verifier key string: <name>+<hex key id>+<base64(type || public key)>. */
export function verifierKey(v: NoteVerifier): string {
  return `${v.name}+${v.keyId.toString('hex')}+${Buffer.concat([Buffer.of(v.type), v.publicKey]).toString('base64')}`;
}

/** Parses a verifier key string; throws with a reason when it is malformed or its key id is wrong. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // The base64 key may itself contain '+': the name and the key id are the first two fields.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/su.exec(vkey);
  if (!m) throw new Error('a verifier key is <name>+<key id hex>+<base64 key>');
  const [, name = '', idHex = '', keyB64 = ''] = m;
  if (!NAME.test(name)) throw new Error('the key name must not contain spaces, + or an em dash');
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new Error('the key id must be 8 lowercase hex digits');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyB64)) throw new Error('the key must be standard base64');
  const key = Buffer.from(keyB64, 'base64');
  if (key.length !== 33) throw new Error('the key must be one type byte and a 32-byte Ed25519 public key');
  const type = key[0] as number;
  const publicKey = key.subarray(1);
  const id = keyId(name, type, publicKey);
  if (id.toString('hex') !== idHex) throw new Error('the key id does not match the name and key');
  return { name, type, keyId: id, publicKey };
}

export function signatureLine(name: string, id: Uint8Array, signature: Uint8Array): string {
  return `${DASH} ${name} ${Buffer.concat([id, signature]).toString('base64')}`;
}

/** Signs a note body with the log's key: body, blank line, one signature line. */
export function signNote(body: string, signer: NoteSigner): string {
  const sig = sign(null, Buffer.from(body, 'utf8'), signer.privateKey);
  return `${body}\n${signatureLine(signer.name, signer.keyId, sig)}\n`;
}

/** The message a cosignature/v1 signs: header, timestamp line, then the checkpoint body. */
export const cosignedMessage = (body: string, timestamp: bigint): Buffer => Buffer.from(`cosignature/v1\ntime ${timestamp}\n${body}`, 'utf8');

/** A witness's cosignature line over a checkpoint body (what a witness does; used by tests and drills). */
export function cosign(body: string, witness: NoteSigner, timestamp: bigint): string {
  const sig = sign(null, cosignedMessage(body, timestamp), witness.privateKey);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(timestamp);
  return signatureLine(witness.name, witness.keyId, Buffer.concat([ts, sig]));
}

export function parseSignatureLine(line: string): SignatureLine | null {
  const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
  if (!m) return null;
  const bytes = Buffer.from(m[2] as string, 'base64');
  if (bytes.length < 5) return null;
  return { name: m[1] as string, keyId: bytes.subarray(0, 4), signature: bytes.subarray(4), line };
}

export interface ParsedNote {
  body: string;
  checkpoint: Checkpoint;
  signatures: SignatureLine[];
}

/** Splits a note into its checkpoint body and signature lines; throws when it is not a checkpoint note. */
export function parseCheckpointNote(text: string): ParsedNote {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new Error('a note is its text, a blank line and signature lines');
  const body = text.slice(0, split + 1);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new Error('a checkpoint has an origin, a tree size and a root hash line');
  const [origin, size, root] = lines as [string, string, string];
  if (!/^(0|[1-9]\d*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error('the tree size line is not a decimal number');
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error('the root hash line is not base64 of 32 bytes');
  const sigText = text.slice(split + 2);
  if (!sigText.endsWith('\n')) throw new Error('a note ends with a newline');
  const signatures: SignatureLine[] = [];
  for (const line of sigText.slice(0, -1).split('\n')) {
    const parsed = parseSignatureLine(line);
    if (!parsed) throw new Error(`not a signature line: ${line.slice(0, 80)}`);
    signatures.push(parsed);
  }
  return { body, checkpoint: { origin, treeSize: Number(size), rootHash }, signatures };
}

const matches = (s: SignatureLine, v: NoteVerifier) => s.name === v.name && s.keyId.equals(v.keyId);

/** Does the note carry a valid Ed25519 (type 0x01) signature by this key? */
export function hasValidSignature(note: ParsedNote, v: NoteVerifier): boolean {
  return note.signatures.some(
    (s) => matches(s, v) && s.signature.length === 64 && verify(null, Buffer.from(note.body, 'utf8'), ed25519PublicKey(v.publicKey), s.signature),
  );
}

/** The timestamp of a valid cosignature/v1 by this witness over `body`, or null. */
export function cosignatureTime(body: string, s: SignatureLine, witness: NoteVerifier): bigint | null {
  if (!matches(s, witness) || witness.type !== COSIGNATURE_V1 || s.signature.length !== 72) return null;
  const timestamp = s.signature.readBigUInt64BE(0);
  if (timestamp >= 2n ** 63n) return null;
  const ok = verify(null, cosignedMessage(body, timestamp), ed25519PublicKey(witness.publicKey), s.signature.subarray(8));
  return ok ? timestamp : null;
}
