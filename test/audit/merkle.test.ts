import { describe, expect, it } from 'vitest';
import { consistencyRanges, createTreeBuilder, inclusionRanges, rangeHashes, rootAt, type RowReader } from '../../src/audit/merkle.ts';
import { rootFromInclusion, verifyConsistency, verifyInclusion } from '../../src/audit/proof-check.ts';
import { mth, refLeaf, refPath, refSubproof } from './merkle-reference.ts';

// RFC 6962 / RFC 9162 reference vectors (the leaves and roots every CT implementation tests against).
const RFC_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const RFC_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const RFC_INCLUSION_0_OF_8 = ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4'];

/** The stored rows exactly as the database holds them, built leaf by leaf. */
function storedTree(leaves: Buffer[]): RowReader {
  const builder = createTreeBuilder(0, []);
  const rows = leaves.map((l) => builder.append(l));
  return async (wanted) => new Map(wanted.filter((r) => r < rows.length).map((r) => [r, rows[r] as Buffer]));
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('the Merkle tree (RFC 9162 2.1)', () => {
  it('matches the RFC 6962 reference roots and inclusion proof', async () => {
    const leaves = RFC_LEAVES.map(refLeaf);
    const read = storedTree(leaves);
    for (let n = 1; n <= 8; n++) {
      expect(hex(await rootAt(n, read))).toBe(RFC_ROOTS[n - 1]);
      expect(hex(mth(leaves.slice(0, n)))).toBe(RFC_ROOTS[n - 1]);
    }
    expect(hex(await rootAt(0, read))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const proof = await rangeHashes(inclusionRanges(0, 0, 8), read);
    expect(proof.map(hex)).toEqual(RFC_INCLUSION_0_OF_8);
    expect(verifyInclusion(0, 8, leaves[0] as Buffer, proof, Buffer.from(RFC_ROOTS[7] as string, 'hex'))).toBe(true);
  });

  it('gives the same roots, inclusion and consistency proofs as the recompute-everything implementation, and they verify', async () => {
    const leaves = Array.from({ length: 48 }, (_, i) => refLeaf(Buffer.from(`event ${i}`)));
    const read = storedTree(leaves);
    for (let n = 1; n <= leaves.length; n++) {
      const d = leaves.slice(0, n);
      const root = await rootAt(n, read);
      expect(hex(root)).toBe(hex(mth(d)));
      for (let m = 0; m < n; m++) {
        const proof = await rangeHashes(inclusionRanges(m, 0, n), read);
        expect(proof.map(hex)).toEqual(refPath(m, d).map(hex));
        expect(verifyInclusion(m, n, d[m] as Buffer, proof, root)).toBe(true);
        expect(verifyInclusion(m, n, refLeaf(Buffer.from('forged')), proof, root)).toBe(false);
        if (n > 1) expect(verifyInclusion((m + 1) % n, n, d[m] as Buffer, proof, root)).toBe(false);
      }
      for (let m = 1; m <= n; m++) {
        const proof = await rangeHashes(consistencyRanges(m, n), read);
        expect(proof.map(hex)).toEqual(m === n ? [] : refSubproof(m, d, true).map(hex));
        const old = mth(leaves.slice(0, m));
        expect(verifyConsistency(m, n, old, root, proof)).toBe(true);
        if (m < n) {
          expect(verifyConsistency(m, n, refLeaf(Buffer.from('x')), root, proof)).toBe(false);
          expect(verifyConsistency(m, n, old, old, proof)).toBe(false);
          if (proof.length > 0) expect(verifyConsistency(m, n, old, root, proof.slice(0, -1))).toBe(false);
        }
      }
    }
  });

  it('refuses proofs for impossible positions', () => {
    const leaf = refLeaf(Buffer.from('a'));
    expect(rootFromInclusion(1, 1, leaf, [])).toBeNull();
    expect(rootFromInclusion(-1, 4, leaf, [])).toBeNull();
    expect(rootFromInclusion(0, 4, leaf, [leaf])).toBeNull(); // too short for a tree of 4
    expect(verifyConsistency(0, 4, leaf, leaf, [])).toBe(false);
    expect(verifyConsistency(5, 4, leaf, leaf, [])).toBe(false);
  });
});
