import { nodeHash } from './merkle.ts';

/*
 * Proof verification exactly as RFC 9162 sections 2.1.3.2 and 2.1.4.2 write it, for the offline
 * verifier (it needs nothing but these functions and SHA-256). Indices are JS numbers: the log's
 * sizes stay far below 2^53, and halving with Math.floor is exact there.
 */

const isOdd = (x: number): boolean => x % 2 === 1;
const half = (x: number): number => Math.floor(x / 2);
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** The root an inclusion proof leads to, or null when the proof cannot be for this index and size (2.1.3.2). */
export function rootFromInclusion(leafIndex: number, treeSize: number, leaf: Uint8Array, path: readonly Uint8Array[]): Buffer | null {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return null;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0) return null;
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(leafIndex: number, treeSize: number, leaf: Uint8Array, path: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusion(leafIndex, treeSize, leaf, path);
  return computed !== null && same(computed, root);
}

/** RFC 9162 2.1.4.2: does `path` prove that the tree of size `first` and root `firstRoot` is a prefix of the other? */
export function verifyConsistency(
  first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, path: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false;
  if (first === second) return path.length === 0 && same(firstRoot, secondRoot);
  if (path.length === 0) return false;
  // Step 2: when the old tree is a perfect subtree of the new one, its root is the proof's first node.
  const nodes = isPowerOfTwo(first) ? [firstRoot, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(nodes[0] as Uint8Array);
  let sr: Buffer = Buffer.from(nodes[0] as Uint8Array);
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!isOdd(fn)) {
        while (!isOdd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return same(fr, firstRoot) && same(sr, secondRoot) && sn === 0;
}

function isPowerOfTwo(x: number): boolean {
  let v = x;
  while (v > 1 && v % 2 === 0) v /= 2;
  return v === 1;
}
