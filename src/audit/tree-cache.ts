/**
 * A least-recently-used map of bounded size. The transparency log keeps in it what never changes
 * once written: stored tree rows (append-only, by leaf index) and signed notes of past sizes
 * (Ed25519 is deterministic, and the root of a size never changes).
 */
export class Lru<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  constructor(max: number) {
    this.#max = max;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the most recently used.
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Without marking the entry as used (a warm-up asking what it still has to load). */
  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value as K);
  }

  get size(): number {
    return this.#map.size;
  }
}

/** Leaves per tile (C2SP tlog-tiles' width): a tile is the stored rows of 256 consecutive leaves. */
export const TILE_LEAVES = 256;

/**
 * A full tile: the rows of leaves [256 t, 256 t + 256), concatenated in one buffer. Once its last
 * row is stored a tile never changes (rows are append-only and contiguous), so it can be kept as
 * long as memory allows. One buffer and one offset array per tile, not a Buffer per row: 4,096
 * tiles are 8,192 objects for the garbage collector to trace, not a million.
 */
export interface Tile {
  bytes: Buffer;
  /** Row i of the tile is bytes[ends[i - 1] ?? 0, ends[i]). */
  ends: Uint32Array;
}

/** A full tile from its rows concatenated in leaf order and the length of each row. */
export function tileFrom(bytes: Buffer, lengths: readonly number[]): Tile {
  if (lengths.length !== TILE_LEAVES) throw new Error(`a full tile has ${TILE_LEAVES} rows, not ${lengths.length}`);
  const ends = new Uint32Array(TILE_LEAVES);
  let at = 0;
  lengths.forEach((length, i) => {
    at += length;
    ends[i] = at;
  });
  if (at !== bytes.byteLength) throw new Error('the rows of a tile do not add up to its bytes');
  return { bytes, ends };
}

export function tileRow(tile: Tile, i: number): Buffer {
  const start = i === 0 ? 0 : (tile.ends[i - 1] as number);
  return tile.bytes.subarray(start, tile.ends[i]);
}

