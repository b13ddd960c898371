import { generateKeyPairSync } from 'node:crypto';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import {
  COSIGNATURE_V1, cosign, cosignatureTime, ED25519, hasValidSignature, keyId, noteSignerFromJwk, parseCheckpointNote, parseVerifierKey, verifierKey,
} from '../../src/audit/note.ts';
import { verifyConsistency, verifyInclusion } from '../../src/audit/proof-check.ts';
import { catchUpAuditTree } from '../../src/audit/tree-backfill.ts';
import { buildTestApp } from '../helpers/app.ts';
import { mth, refLeaf, refPath, refSubproof } from './merkle-reference.ts';
import { appendEvents, exportNdjson, superuser, tamper } from './support.ts';

type Checkpoint = { seq: number; hash: string; treeSize: number; rootHash: string; note: string; verifierKey: string; cosignatures?: Array<{ witness: string; signatureLine: string }> };
const b = (s: string) => Buffer.from(s, 'base64');

function witnessKey(name: string) {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = noteSignerFromJwk(privateKey.export({ format: 'jwk' }) as { kty: string; crv: string; d: string; x: string }, name, COSIGNATURE_V1);
  return { signer, vkey: verifierKey(signer) };
}

describe('the transparency log (contract 2.7)', async () => {
  const t = await buildTestApp();
  const db = await superuser();
  await appendEvents(t, 12);
  const get = async (url: string, role: 'inspector' | 'admin' | 'finance' | 'witness' = 'inspector', sub?: string) =>
    t.app.inject({ method: 'GET', url, headers: await t.auth(role, sub ? { sub } : {}) });
  const checkpoint = async (query = ''): Promise<Checkpoint> => {
    const res = await get(`/v1/audit/checkpoint${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Checkpoint;
  };
  /** Every leaf, recomputed from the NDJSON export by the test's own RFC 8785 + RFC 9162 code. */
  const exportedLeaves = async () =>
    (await exportNdjson(t)).trim().split('\n').map((line) => refLeaf(Buffer.from(canonicalize(JSON.parse(line)) as string)));
  const logKey = async () => {
    const jwks = (await t.app.inject({ method: 'GET', url: '/v1/audit/jwks.json' })).json() as { keys: Array<{ kty: string; crv?: string; x?: string }> };
    const okp = jwks.keys.find((k) => k.kty === 'OKP');
    expect(okp).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    const publicKey = Buffer.from(okp?.x ?? '', 'base64url');
    return { name: t.config.LOG_ORIGIN, type: ED25519, keyId: keyId(t.config.LOG_ORIGIN, ED25519, publicKey), publicKey };
  };

  it('signs the Merkle root of every event as a C2SP checkpoint note, key in the JWKS', async () => {
    const cp = await checkpoint();
    const leaves = await exportedLeaves();
    expect(cp.treeSize).toBe(cp.seq);
    // The export above appended its own audit.exported event: the checkpoint covers the first cp.seq.
    expect(b(cp.rootHash).toString('hex')).toBe(mth(leaves.slice(0, cp.seq)).toString('hex'));
    const note = parseCheckpointNote(cp.note);
    expect(note.body).toBe(`gerbang.local/audit\n${cp.treeSize}\n${cp.rootHash}\n`);
    expect(cp.note).toMatch(/^gerbang\.local\/audit\n\d+\n\S{44}\n\n\u2014 gerbang\.local\/audit \S+\n$/u);
    const key = await logKey();
    expect(hasValidSignature(note, key)).toBe(true);
    expect(parseVerifierKey(cp.verifierKey)).toMatchObject({ name: key.name, type: ED25519 });
    const forged = parseCheckpointNote(cp.note.replace(`\n${cp.treeSize}\n`, `\n${cp.treeSize + 1}\n`));
    expect(hasValidSignature(forged, key)).toBe(false);
  });

  it('answers inclusion and consistency proofs that match an independent implementation and verify', async () => {
    const cp = await checkpoint();
    const leaves = (await exportedLeaves()).slice(0, cp.treeSize);
    for (const seq of [1, 2, 7, cp.treeSize]) {
      for (const size of [seq, cp.treeSize]) {
        const res = await get(`/v1/audit/proof/inclusion?seq=${seq}&treeSize=${size}`);
        expect(res.statusCode, res.body).toBe(200);
        const p = res.json() as { leafIndex: number; treeSize: number; leafHash: string; rootHash: string; hashes: string[] };
        expect(p.leafIndex).toBe(seq - 1);
        expect(b(p.leafHash).equals(leaves[seq - 1] as Buffer)).toBe(true);
        expect(p.hashes.map((h) => b(h).toString('hex'))).toEqual(refPath(seq - 1, leaves.slice(0, size)).map((h) => h.toString('hex')));
        expect(verifyInclusion(p.leafIndex, p.treeSize, b(p.leafHash), p.hashes.map(b), mth(leaves.slice(0, size)))).toBe(true);
      }
    }
    for (const [from, to] of [[1, 5], [4, cp.treeSize], [5, 7], [cp.treeSize, cp.treeSize]] as const) {
      const res = await get(`/v1/audit/proof/consistency?from=${from}&to=${to}`);
      expect(res.statusCode, res.body).toBe(200);
      const p = res.json() as { from: number; to: number; hashes: string[] };
      expect(p.hashes.map((h) => b(h).toString('hex'))).toEqual(from === to ? [] : refSubproof(from, leaves.slice(0, to), true).map((h) => h.toString('hex')));
      expect(verifyConsistency(from, to, mth(leaves.slice(0, from)), mth(leaves.slice(0, to)), p.hashes.map(b))).toBe(true);
    }
  });

  it('refuses sizes beyond the head (422) and keeps proofs from other roles', async () => {
    const { treeSize } = await checkpoint();
    for (const url of [`/v1/audit/checkpoint?treeSize=${treeSize + 5}`, `/v1/audit/proof/inclusion?seq=1&treeSize=${treeSize + 5}`, `/v1/audit/proof/consistency?from=1&to=${treeSize + 5}`, '/v1/audit/proof/inclusion?seq=9&treeSize=3', '/v1/audit/proof/consistency?from=5&to=3', '/v1/audit/proof/inclusion?seq=0']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(422);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await get('/v1/audit/proof/inclusion?seq=1', 'finance')).statusCode).toBe(403);
  });

  it('returns the same note for a past size, and editing a row later never changes it', async () => {
    const first = await checkpoint('?treeSize=6');
    expect(first.treeSize).toBe(6);
    await tamper(db, `update audit_events set data = '{"n": 999}' where seq = 3`);
    await appendEvents(t, 3);
    const again = await checkpoint('?treeSize=6');
    expect(again.note).toBe(first.note);
    const empty = await checkpoint('?treeSize=0');
    expect(empty.rootHash).toBe(b('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=').toString('base64'));
  });

  it('backfills a log written before the tree existed (start-up step) to the same roots', async () => {
    const before = await checkpoint();
    await tamper(db, 'delete from audit_tree where leaf_index >= 4');
    const result = await catchUpAuditTree(t.database.db);
    expect(result.appended).toBeGreaterThanOrEqual(before.treeSize - 4);
    expect((await checkpoint(`?treeSize=${before.treeSize}`)).note).toBe(before.note);
    expect((await catchUpAuditTree(t.database.db)).appended).toBe(0);
    await expect(db.query('update audit_tree set hashes = hashes where leaf_index = 0')).rejects.toThrow(/append-only/);
  });

  it('registers witnesses, verifies and stores their cosignatures, and serves the cosigned checkpoint', async () => {
    const w1 = witnessKey('witness.example/w1');
    const w2 = witnessKey('witness.example/w2');
    const register = async (vkey: string, role: 'admin' | 'inspector' = 'admin') =>
      t.app.inject({ method: 'POST', url: '/v1/audit/witnesses', headers: await t.auth(role), payload: { vkey } });
    expect((await register(w1.vkey, 'inspector')).statusCode).toBe(403);
    const created = await register(w1.vkey);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'witness.example/w1', vkey: w1.vkey, keyId: w1.signer.keyId.toString('hex') });
    expect((await register(w1.vkey)).statusCode).toBe(409);
    expect((await register(w2.vkey)).statusCode).toBe(201);
    const logVkey = (await checkpoint()).verifierKey; // type 0x01: not a cosigning key
    expect((await register(logVkey)).json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await register(w1.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).statusCode).toBe(422);

    const cp = await checkpoint();
    const body = parseCheckpointNote(cp.note).body;
    const now = BigInt(Math.floor(Date.now() / 1000));
    const post = async (payload: object, role: 'inspector' | 'witness', sub?: string) =>
      t.app.inject({ method: 'POST', url: '/v1/audit/checkpoint/cosignatures', headers: await t.auth(role, sub ? { sub } : {}), payload });
    const line1 = cosign(body, w1.signer, now);
    expect((await post({ treeSize: cp.treeSize, signatureLine: line1 }, 'witness', 'witness.example/w2')).statusCode).toBe(403);
    expect((await post({ treeSize: cp.treeSize + 1000, signatureLine: line1 }, 'witness', 'witness.example/w1')).statusCode).toBe(422);
    const wrongSize = await post({ treeSize: cp.treeSize - 1, signatureLine: line1 }, 'witness', 'witness.example/w1');
    expect(wrongSize.json()).toMatchObject({ status: 422, code: 'COSIGNATURE_INVALID' });
    const stored = await post({ treeSize: cp.treeSize, signatureLine: line1 }, 'witness', 'witness.example/w1');
    expect(stored.statusCode, stored.body).toBe(201);
    expect((await post({ treeSize: cp.treeSize, signatureLine: line1 }, 'witness', 'witness.example/w1')).statusCode).toBe(409);
    const line2 = cosign(body, w2.signer, now - 5n);
    expect((await post({ treeSize: cp.treeSize, signatureLine: line2 }, 'inspector')).statusCode).toBe(201); // an inspector relays
    expect((await post({ treeSize: cp.treeSize, signatureLine: line2, extra: 1 }, 'inspector')).statusCode).toBe(422);

    const cosigned = await checkpoint('?cosigned=true');
    expect(cosigned.treeSize).toBe(cp.treeSize);
    expect(cosigned.cosignatures?.map((c) => c.witness)).toEqual(['witness.example/w1', 'witness.example/w2']);
    const note = parseCheckpointNote(cosigned.note);
    expect(note.signatures).toHaveLength(3);
    expect(hasValidSignature(note, await logKey())).toBe(true);
    expect(cosignatureTime(note.body, note.signatures[1]!, parseVerifierKey(w1.vkey))).toBe(now);

    const { rows } = await db.query(`select action, entity_id from audit_events where action like 'audit.%' and action <> 'audit.exported' order by seq`);
    expect(rows).toEqual([
      { action: 'audit.witness_registered', entity_id: 'witness.example/w1' },
      { action: 'audit.witness_registered', entity_id: 'witness.example/w2' },
      { action: 'audit.cosigned', entity_id: String(cp.treeSize) },
      { action: 'audit.cosigned', entity_id: String(cp.treeSize) },
    ]);
  });
});
