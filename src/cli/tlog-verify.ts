// Offline checks of the transparency log (contract 2.7), run through npm run audit:verify:
//   --receipt r.json --checkpoint note.txt [--jwks jwks.json] [--proof p.json] [--witness <vkey>]... [--json]
//       a decision receipt ({ jws, note, event } as GET /v1/disbursements/{id}/receipt returns it): its
//       signature, its event, its inclusion proof, its note; then that the checkpoint (the same size,
//       or a later one with --proof: a consistency or inclusion proof) is signed and contains it.
//   --consistency old.txt new.txt --proof p.json [--jwks jwks.json] [--witness <vkey>]... [--json]
//       that the log of new.txt only grew from old.txt (GET /v1/audit/proof/consistency?from=&to=).
// Needs nothing but this file's imports: SHA-256, Ed25519 and the RFC 9162 / C2SP algorithms.
// Exit status: 0 every check passed, 1 a check failed, 2 unusable input.
import { readFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import { decodeJwt, type JWK } from 'jose';
import { hashEvent, type AuditEvent } from '../audit/chain.ts';
import { leafHash } from '../audit/merkle.ts';
import { cosignatureTime, ED25519, hasValidSignature, keyId, parseCheckpointNote, parseVerifierKey, type NoteVerifier, type ParsedNote } from '../audit/note.ts';
import { rootFromInclusion, verifyConsistency, verifyInclusion } from '../audit/proof-check.ts';
import { verifyJson } from '../audit/signing.ts';

export const TLOG_USAGE = [
  'usage: npm run audit:verify -- --receipt r.json --checkpoint note.txt [--jwks jwks.json] [--proof p.json] [--witness vkey]... [--json]',
  '       npm run audit:verify -- --consistency old.txt new.txt --proof p.json [--jwks jwks.json] [--witness vkey]... [--json]',
].join('\n');

export interface TlogOptions {
  receipt?: string | undefined;
  checkpoint?: string | undefined;
  consistency?: string | undefined;
  newer?: string | undefined;
  proof?: string | undefined;
  jwks?: string | undefined;
  witness?: string[] | undefined;
  json?: boolean | undefined;
}

class InputError extends Error {}

interface Check {
  name: string;
  ok: boolean | null; // null: not checked
  detail: string;
}

const b64 = (s: unknown, what: string): Buffer => {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new InputError(`${what} is not base64`);
  return Buffer.from(s, 'base64');
};

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the ${what} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readJson(file: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(readText(file, what)) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`the ${what} ${file} is not a JSON object: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readNote(file: string, what: string): ParsedNote {
  try {
    // An editor or `echo` may add a line break after the last signature line: that is not a change.
    return parseCheckpointNote(readText(file, what).replace(/\n+$/, '\n'));
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`the ${what} ${file} is not a checkpoint note: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The log's note keys from the JWKS: every Ed25519 key, under the name each signature line gives. */
function logVerifiers(jwks: { keys: JWK[] } | undefined, note: ParsedNote): NoteVerifier[] {
  if (!jwks) return [];
  const keys = jwks.keys.filter((k) => k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.x === 'string');
  return note.signatures.flatMap((s) =>
    keys.map((k) => {
      const publicKey = Buffer.from(k.x as string, 'base64url');
      return { name: s.name, type: ED25519, keyId: keyId(s.name, ED25519, publicKey), publicKey };
    }),
  );
}

function noteChecks(label: string, note: ParsedNote, jwks: { keys: JWK[] } | undefined, witnesses: NoteVerifier[]): Check[] {
  const checks: Check[] = [];
  const { origin, treeSize } = note.checkpoint;
  if (!jwks) {
    checks.push({ name: `${label} signature`, ok: null, detail: 'not checked: give --jwks (GET /v1/audit/jwks.json)' });
  } else {
    const signer = logVerifiers(jwks, note).find((v) => v.name === origin && hasValidSignature(note, v));
    checks.push(signer
      ? { name: `${label} signature`, ok: true, detail: `${origin} size ${treeSize}, signed by key ${signer.keyId.toString('hex')}` }
      : { name: `${label} signature`, ok: false, detail: `no valid signature of ${origin} by a key in the JWKS` });
  }
  for (const w of witnesses) {
    const line = note.signatures.find((s) => s.name === w.name && s.keyId.equals(w.keyId));
    const time = line ? cosignatureTime(note.body, line, w) : null;
    checks.push({
      name: `${label} cosignature ${w.name}`,
      ok: time !== null,
      detail: time !== null ? `valid, made at ${new Date(Number(time) * 1000).toISOString()}` : line ? 'present but does not verify' : 'absent',
    });
  }
  return checks;
}

interface ReceiptPayload {
  id: string;
  decision: string;
  auditSeq: number;
  evidenceSha256: string;
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  inclusion: string[];
}

async function receiptPayload(jws: string, jwks: { keys: JWK[] } | undefined): Promise<{ payload: ReceiptPayload; check: Check }> {
  if (!jwks) {
    return { payload: decodeJwt(jws) as unknown as ReceiptPayload, check: { name: 'receipt signature', ok: null, detail: 'not checked: give --jwks' } };
  }
  try {
    const { payload, kid } = await verifyJson(jws, jwks, 'gerbang-receipt+jws');
    return { payload: payload as ReceiptPayload, check: { name: 'receipt signature', ok: true, detail: `ES256, kid ${kid}` } };
  } catch (err) {
    return {
      payload: decodeJwt(jws) as unknown as ReceiptPayload,
      check: { name: 'receipt signature', ok: false, detail: err instanceof Error ? err.message : String(err) },
    };
  }
}

function eventCheck(event: unknown, p: ReceiptPayload): Check {
  const name = 'decision event';
  if (event === undefined) return { name, ok: null, detail: 'the receipt file carries no event' };
  const e = event as AuditEvent;
  const { hash, ...unhashed } = e;
  const canonical = canonicalize(e);
  if (canonical === undefined) return { name, ok: false, detail: 'the event is not JSON' };
  const problems = [
    leafHash(canonical).toString('base64') === p.leafHash ? null : 'its leaf hash is not the receipt\'s leafHash',
    hashEvent(unhashed) === hash ? null : 'its chain hash does not match its content',
    e.seq === p.auditSeq && e.seq === p.leafIndex + 1 ? null : 'its seq is not the receipt\'s auditSeq',
    e.action === 'disbursement.decided' && e.entityId === p.id ? null : 'it is not the decision event of this receipt',
    e.data?.decision === p.decision && e.data?.evidenceSha256 === p.evidenceSha256 ? null : 'its decision or evidence hash differs from the receipt',
  ].filter((x): x is string => x !== null);
  return problems.length === 0
    ? { name, ok: true, detail: `seq ${e.seq}, ${e.action} of ${e.entityId}: hashes to the receipt's leaf` }
    : { name, ok: false, detail: problems.join('; ') };
}

async function checkReceipt(o: TlogOptions, jwks: { keys: JWK[] } | undefined, witnesses: NoteVerifier[]): Promise<Check[]> {
  if (!o.checkpoint) throw new InputError('--receipt needs --checkpoint note.txt (GET /v1/audit/checkpoint, its note)');
  const file = readJson(o.receipt as string, 'receipt');
  if (typeof file.jws !== 'string' || typeof file.note !== 'string') throw new InputError('the receipt must be { jws, note, event } as the receipt route returns it');
  const { payload: p, check: sig } = await receiptPayload(file.jws, jwks);
  const checks = [sig, eventCheck(file.event, p)];
  if (!Number.isSafeInteger(p.leafIndex) || !Number.isSafeInteger(p.treeSize) || !Array.isArray(p.inclusion)) {
    throw new InputError('the receipt carries no inclusion proof (leafIndex, treeSize, rootHash, inclusion)');
  }
  const leaf = b64(p.leafHash, 'leafHash');
  const root = b64(p.rootHash, 'rootHash');
  const path = p.inclusion.map((h) => b64(h, 'an inclusion hash'));
  const computed = rootFromInclusion(p.leafIndex, p.treeSize, leaf, path);
  checks.push(computed !== null && computed.equals(root)
    ? { name: 'inclusion proof', ok: true, detail: `leaf ${p.leafIndex} is in the tree of size ${p.treeSize} with root ${p.rootHash}` }
    : { name: 'inclusion proof', ok: false, detail: 'the inclusion path does not lead to the receipt\'s root' });

  let own: ParsedNote;
  try {
    own = parseCheckpointNote(file.note);
  } catch (err) {
    throw new InputError(`the receipt's note is not a checkpoint note: ${err instanceof Error ? err.message : String(err)}`);
  }
  const ownMatches = own.checkpoint.treeSize === p.treeSize && own.checkpoint.rootHash.equals(root);
  checks.push({ name: 'receipt note', ok: ownMatches, detail: ownMatches ? 'names the receipt\'s size and root' : 'names another size or root than the receipt' });
  checks.push(...noteChecks('receipt note', own, jwks, []));

  const cp = readNote(o.checkpoint, 'checkpoint');
  checks.push(...noteChecks('checkpoint', cp, jwks, witnesses));
  const size = cp.checkpoint.treeSize;
  const sameLog = cp.checkpoint.origin === own.checkpoint.origin;
  if (!sameLog) checks.push({ name: 'checkpoint contains the receipt', ok: false, detail: `another log: ${cp.checkpoint.origin}` });
  else if (size < p.treeSize) checks.push({ name: 'checkpoint contains the receipt', ok: false, detail: `the checkpoint (size ${size}) is older than the receipt (size ${p.treeSize})` });
  else if (size === p.treeSize) {
    const same = cp.checkpoint.rootHash.equals(root);
    checks.push({ name: 'checkpoint contains the receipt', ok: same, detail: same ? 'same size, same root' : 'same size, ANOTHER root: the log forked' });
  } else if (!o.proof) {
    throw new InputError(`the checkpoint is larger (${size}) than the receipt's tree (${p.treeSize}): give --proof from GET /v1/audit/proof/consistency?from=${p.treeSize}&to=${size}`);
  } else {
    const proof = readJson(o.proof, 'proof');
    const hashes = Array.isArray(proof.hashes) ? proof.hashes.map((h) => b64(h, 'a proof hash')) : [];
    const ok = proof.from !== undefined
      ? proof.from === p.treeSize && proof.to === size && verifyConsistency(p.treeSize, size, root, cp.checkpoint.rootHash, hashes)
      : proof.leafIndex === p.leafIndex && proof.treeSize === size && verifyInclusion(p.leafIndex, size, leaf, hashes, cp.checkpoint.rootHash);
    checks.push({ name: 'checkpoint contains the receipt', ok, detail: ok ? `proved by the ${proof.from !== undefined ? 'consistency' : 'inclusion'} proof` : 'the proof does not hold for these sizes and roots' });
  }
  return checks;
}

function checkConsistency(o: TlogOptions, jwks: { keys: JWK[] } | undefined, witnesses: NoteVerifier[]): Check[] {
  if (!o.newer || !o.proof) throw new InputError('--consistency old.txt needs new.txt and --proof p.json');
  const old = readNote(o.consistency as string, 'old checkpoint');
  const neu = readNote(o.newer, 'new checkpoint');
  const proof = readJson(o.proof, 'proof');
  const hashes = Array.isArray(proof.hashes) ? proof.hashes.map((h) => b64(h, 'a proof hash')) : [];
  const checks = [...noteChecks('old checkpoint', old, jwks, witnesses), ...noteChecks('new checkpoint', neu, jwks, witnesses)];
  const [m, n] = [old.checkpoint.treeSize, neu.checkpoint.treeSize];
  let ok = false;
  let detail: string;
  if (old.checkpoint.origin !== neu.checkpoint.origin) detail = 'the checkpoints are of different logs';
  else if (proof.from !== m || proof.to !== n) detail = `the proof is for ${String(proof.from)} -> ${String(proof.to)}, the checkpoints are ${m} -> ${n}`;
  else {
    ok = verifyConsistency(m, n, old.checkpoint.rootHash, neu.checkpoint.rootHash, hashes);
    detail = ok ? `the tree of size ${n} extends the tree of size ${m}: nothing was rewritten` : 'the proof does not hold: the log was rewritten or the proof is wrong';
  }
  checks.push({ name: 'consistency', ok, detail });
  return checks;
}

export async function runTlogVerify(o: TlogOptions): Promise<number> {
  let checks: Check[];
  try {
    const jwksFile = o.jwks ? readJson(o.jwks, 'JWKS') : undefined;
    if (jwksFile && !Array.isArray(jwksFile.keys)) throw new InputError('the JWKS must be { keys: [...] } as GET /v1/audit/jwks.json returns it');
    const jwks = jwksFile as { keys: JWK[] } | undefined;
    const witnesses = (o.witness ?? []).map((v) => {
      try {
        return parseVerifierKey(v);
      } catch (err) {
        throw new InputError(`--witness ${v}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    checks = o.receipt ? await checkReceipt(o, jwks, witnesses) : checkConsistency(o, jwks, witnesses);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    process.stderr.write(`${err.message}\n${TLOG_USAGE}\n`);
    return 2;
  }
  const ok = checks.every((c) => c.ok !== false);
  if (o.json) process.stdout.write(`${JSON.stringify({ ok, checks })}\n`);
  else {
    for (const c of checks) process.stdout.write(`${c.ok === null ? 'not checked' : c.ok ? 'ok' : 'FAILED'}  ${c.name}: ${c.detail}\n`);
    process.stdout.write(ok ? 'ok\n' : 'FAILED\n');
  }
  return ok ? 0 : 1;
}
