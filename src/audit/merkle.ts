import { hash } from 'node:crypto';

/*
 * The audit log as an RFC 9162 (section 2.1) Merkle tree. This module is pure: hashing, the
 * tree's geometry, and proofs built from a reader of stored subtree hashes.
 *
 * Storage: one row per leaf. Appending leaf i completes the perfect subtrees that end at it: the
 * leaf itself (level 0) and, for each trailing 1 bit of i, the next level up. Row i stores their
 * hashes concatenated, level 0 first, 32 bytes each. So the perfect subtree (level L, index k),
 * which covers leaves [k * 2^L, (k + 1) * 2^L), is stored in row (k + 1) * 2^L - 1 at byte L * 32.
 * Every proof and every past root is a fold of O(log n) such subtrees, read by primary key.
 */

export const HASH_BYTES = 32;

/** SHA-256(0x00 || data): RFC 9162 leaf hash. */
export function leafHash(data: Uint8Array | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return hash('sha256', Buffer.concat([Buffer.of(0), bytes]), 'buffer');
}

/** SHA-256(0x01 || left || right): RFC 9162 interior node hash. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([Buffer.of(1), left, right]), 'buffer');
}

/** MTH of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT = hash('sha256', Buffer.alloc(0), 'buffer');

/** A perfect subtree: leaves [index * 2^level, (index + 1) * 2^level). */
export interface Subtree {
  level: number;
  index: number;
}

/** Where a perfect subtree's hash is stored: the row of its last leaf, at level * 32 bytes. */
export const rowOf = (s: Subtree): number => (s.index + 1) * 2 ** s.level - 1;

/** The largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect subtrees whose fold is MTH(D[lo:hi]), left to right, for a range that is a node of
 * the RFC's recursion (lo a multiple of a power of two >= hi - lo): the RFC splits at the largest
 * power of two below the size, so the left part is always perfect and the rest recurses.
 */
export function perfectParts(lo: number, hi: number): Subtree[] {
  const parts: Subtree[] = [];
  let start = lo;
  let size = hi - lo;
  while (size > 0) {
    let width = 1;
    while (width * 2 <= size) width *= 2;
    parts.push({ level: Math.log2(width), index: start / width });
    start += width;
    size -= width;
  }
  return parts;
}

export type Range = readonly [lo: number, hi: number];

/** RFC 9162 2.1.3.1 PATH(m, D[lo:hi]): the ranges whose hashes form the inclusion proof, leaf side first. */
export function inclusionRanges(m: number, lo: number, hi: number): Range[] {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = splitPoint(n);
  return m < lo + k
    ? [...inclusionRanges(m, lo, lo + k), [lo + k, hi]]
    : [...inclusionRanges(m, lo + k, hi), [lo, lo + k]];
}

/** RFC 9162 2.1.4.1 SUBPROOF(m, D[lo:hi], b), m the old size (absolute). */
function subproof(m: number, lo: number, hi: number, complete: boolean): Range[] {
  const n = hi - lo;
  if (m - lo === n) return complete ? [] : [[lo, hi]];
  const k = splitPoint(n);
  return m - lo <= k
    ? [...subproof(m, lo, lo + k, complete), [lo + k, hi]]
    : [...subproof(m, lo + k, hi, false), [lo, lo + k]];
}

/** RFC 9162 2.1.4.1 PROOF(m, D[0:n]); empty when m == n (and for m == 0, which proves nothing). */
export function consistencyRanges(m: number, n: number): Range[] {
  if (m <= 0 || m >= n) return [];
  return subproof(m, 0, n, true);
}

/** Reads the stored hash rows by leaf index (missing rows are absent from the map). */
export type RowReader = (rows: number[]) => Promise<Map<number, Uint8Array>>;

/** Hashes of the given ranges, from one read of the O(log n) stored subtrees they decompose into. */
export async function rangeHashes(ranges: readonly Range[], read: RowReader): Promise<Buffer[]> {
  const partsOf = ranges.map(([lo, hi]) => perfectParts(lo, hi));
  const wanted = [...new Set(partsOf.flat().map(rowOf))];
  const stored = wanted.length > 0 ? await read(wanted) : new Map<number, Uint8Array>();
  const subtreeHash = (s: Subtree): Buffer => {
    const row = stored.get(rowOf(s));
    const at = s.level * HASH_BYTES;
    if (!row || row.byteLength < at + HASH_BYTES) throw new Error(`the tree has no hash for subtree ${s.level}/${s.index}`);
    return Buffer.from(row.buffer, row.byteOffset + at, HASH_BYTES);
  };
  return partsOf.map((parts) => {
    let acc = subtreeHash(parts[parts.length - 1] as Subtree);
    for (let i = parts.length - 2; i >= 0; i--) acc = nodeHash(subtreeHash(parts[i] as Subtree), acc);
    return acc;
  });
}

/** MTH of the first `size` leaves. */
export async function rootAt(size: number, read: RowReader): Promise<Buffer> {
  if (size === 0) return EMPTY_ROOT;
  const [root] = await rangeHashes([[0, size]], read);
  return root as Buffer;
}

/** The perfect subtrees covering [0, size), largest first: what a builder needs to go on appending. */
export const frontierOf = (size: number): Subtree[] => perfectParts(0, size);

/**
 * Appends leaves in memory, from the frontier of a tree of `size` leaves; each append returns the
 * row to store for it (the leaf hash, then the hash of every subtree it completes).
 */
export function createTreeBuilder(size: number, frontier: Buffer[]) {
  const stack = frontierOf(size).map((s, i) => ({ level: s.level, hash: frontier[i] as Buffer }));
  if (frontier.length !== stack.length) throw new Error('frontier does not match the tree size');
  let next = size;
  return {
    get size(): number {
      return next;
    },
    append(leaf: Buffer): Buffer {
      const out = [leaf];
      let h = leaf;
      let level = 0;
      while (stack.length > 0 && (stack[stack.length - 1] as { level: number }).level === level) {
        h = nodeHash((stack.pop() as { hash: Buffer }).hash, h);
        out.push(h);
        level++;
      }
      stack.push({ level, hash: h });
      next++;
      return Buffer.concat(out);
    },
  };
}
