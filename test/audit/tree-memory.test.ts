import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { appendAuditBatch, type AuditEntry } from '../../src/audit/append.ts';
import { hasValidSignature, parseCheckpointNote, parseVerifierKey } from '../../src/audit/note.ts';
import { verifyConsistency, verifyInclusion } from '../../src/audit/proof-check.ts';
import { tilesInMemory, warmAuditTree } from '../../src/audit/tlog.ts';
import { buildTestApp } from '../helpers/app.ts';
import { mth, refLeaf, refPath, refSubproof } from './merkle-reference.ts';
import { actor, runCli, writeTemp } from './support.ts';

// Proofs are computed from full tiles held in memory (tlog.ts, tree-cache.ts). A tile kept while
// it was still filling, or a row served from the wrong tile or level, would give proofs that no
// longer match the log: every answer here is compared with an independent implementation that
// recomputes every hash from all leaves, before and after the tree grows.
const b = (s: string) => Buffer.from(s, 'base64');
const hex = (hs: Buffer[]) => hs.map((h) => h.toString('hex'));

describe('proofs from the tree held in memory', async () => {
  const t = await buildTestApp();
  const { db } = t.database;
  /** Every leaf so far, hashed by the test from the events as appended (RFC 8785 + RFC 9162). */
  const leaves: Buffer[] = [];
  async function append(count: number): Promise<void> {
    const entries: AuditEntry[] = Array.from({ length: count }, (_, i) => ({
      actor, action: 'project.updated', entityType: 'project', entityId: `p-${leaves.length + i}`, data: { n: leaves.length + i }, requestId: `req-${i}`,
    }));
    const events = await db.transaction((tx) => appendAuditBatch(tx, entries, () => new Date()));
    for (const e of events) leaves.push(refLeaf(Buffer.from(canonicalize(e) as string)));
  }
  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: await t.auth('inspector') });
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    return res.json() as Record<string, unknown>;
  };
  async function expectInclusion(seq: number, size: number): Promise<void> {
    const p = await get(`/v1/audit/proof/inclusion?seq=${seq}&treeSize=${size}`);
    const hashes = (p.hashes as string[]).map(b);
    expect(b(p.leafHash as string).equals(leaves[seq - 1] as Buffer), `leaf ${seq}`).toBe(true);
    expect(b(p.rootHash as string).equals(mth(leaves.slice(0, size))), `root ${size}`).toBe(true);
    expect(hex(hashes), `inclusion ${seq} in ${size}`).toEqual(hex(refPath(seq - 1, leaves.slice(0, size))));
    expect(verifyInclusion(seq - 1, size, leaves[seq - 1] as Buffer, hashes, mth(leaves.slice(0, size)))).toBe(true);
  }
  async function expectConsistency(from: number, to: number): Promise<void> {
    const p = await get(`/v1/audit/proof/consistency?from=${from}&to=${to}`);
    const hashes = (p.hashes as string[]).map(b);
    expect(hex(hashes), `consistency ${from} -> ${to}`).toEqual(from === to ? [] : hex(refSubproof(from, leaves.slice(0, to), true)));
    expect(verifyConsistency(from, to, mth(leaves.slice(0, from)), mth(leaves.slice(0, to)), hashes)).toBe(true);
  }
  /** Sizes on both sides of every tile boundary, in full tiles and in the tile still filling. */
  const sizesAround = (n: number) => [...new Set([1, 2, 255, 256, 257, 511, 512, 513, 700, 767, 768, 769, n - 1, n].filter((s) => s >= 1 && s <= n))];

  await append(600); // tiles 0 and 1 full, tile 2 filling

  it('loads a full tile a proof had to read, and never a tile still filling', async () => {
    expect(tilesInMemory(db)).toBe(0);
    await expectInclusion(10, 300);
    // The proof read rows of tile 0 (full: the tree reaches 300) and of tile 1 (as far as this
    // process knows, still filling): tile 0 is loaded after the answer, tile 1 is not.
    for (let i = 0; i < 100 && tilesInMemory(db) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(tilesInMemory(db)).toBe(1);
    expect(await warmAuditTree(db)).toMatchObject({ tiles: 1 });
    expect(tilesInMemory(db)).toBe(2);
  });

  it('answers every proof as an independent implementation computes it, before and after the tree grows', async () => {
    const before = leaves.length;
    for (const size of sizesAround(before)) {
      for (const seq of [1, Math.ceil(size / 2), size]) await expectInclusion(seq, size);
      for (const from of [1, Math.floor(size / 3) || 1, size]) await expectConsistency(from, size);
    }
    const oldNote = (await get(`/v1/audit/checkpoint?treeSize=${before}`)).note as string;

    await append(300); // tile 2 is full now, tile 3 filling; what was in memory must not hide it
    const after = leaves.length;
    for (const size of sizesAround(after)) {
      for (const seq of [1, 300, 513, Math.ceil(size / 2), size].filter((s) => s <= size)) await expectInclusion(seq, size);
      for (const from of [1, 256, before, size].filter((f) => f <= size)) await expectConsistency(from, size);
    }
    await warmAuditTree(db); // tile 2, unless a proof above has loaded it already
    expect(tilesInMemory(db)).toBe(3);
    for (const [seq, size] of [[1, after], [600, after], [767, 768], [768, after], [after, after]] as const) await expectInclusion(seq, size);
    await expectConsistency(before, after);

    // The checkpoint of the new size signs the new root, and the offline verifier accepts the
    // consistency proof between the two signed notes.
    const cp = await get(`/v1/audit/checkpoint?treeSize=${after}`);
    const note = parseCheckpointNote(cp.note as string);
    expect(note.checkpoint.rootHash.equals(mth(leaves))).toBe(true);
    expect(hasValidSignature(note, parseVerifierKey(cp.verifierKey as string))).toBe(true);
    const proof = await get(`/v1/audit/proof/consistency?from=${before}&to=${after}`);
    const jwks = (await t.app.inject({ method: 'GET', url: '/v1/audit/jwks.json' })).body;
    const cli = await runCli([
      '--consistency', writeTemp(oldNote, 'txt'), writeTemp(cp.note as string, 'txt'), '--proof', writeTemp(JSON.stringify(proof), 'json'),
      '--jwks', writeTemp(jwks, 'json'),
    ]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
  });
});
