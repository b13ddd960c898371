import type { AppContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import { hasRole } from '../http/auth.ts';
import { AppError, notFound, validationFailed } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { appendAudit } from './append.ts';
import { consistencyRanges, EMPTY_ROOT, inclusionRanges, rangeHashes, type Range, type RowReader } from './merkle.ts';
import {
  checkpointBody, COSIGNATURE_V1, cosignatureTime, ED25519, keyId, parseSignatureLine, parseVerifierKey, signNote, verifierKey, type NoteSigner,
} from './note.ts';
import { readHead } from './repository.ts';
import { Lru, TILE_LEAVES, tileFrom, tileRow, type Tile } from './tree-cache.ts';
import { fullTreeTiles, treeRowReader, treeSize } from './tree-repository.ts';
import { cosignaturesAt, findWitness, insertCosignature, insertWitness, latestCosignedSize } from './witness-repository.ts';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
/** A cosignature dated further ahead than this is refused (clocks drift, but not by hours). */
const FUTURE_SKEW_S = 600n;

/**
 * What each process keeps of the tree, per database (see tree-cache.ts). Full tiles: at most 4,096
 * (1,048,576 leaves, about 67 MB outside the JS heap), so at a million events every proof and past
 * root is computed from memory; beyond that the least recently used tiles are read again. Rows
 * outside full tiles (the newest leaves) and rows read before their tile is loaded: an LRU of
 * 20,000. Notes: the signed checkpoint of 1,000 sizes.
 */
const CACHED_TILES = 4_096;
const CACHED_ROWS = 20_000;
const CACHED_NOTES = 1_000;
/** Tiles per query when loading many (the warm-up): 32 values of about 16 KB, decoded in a millisecond or two. */
const TILES_PER_READ = 32;

interface SignedNote {
  treeSize: number;
  rootHash: string;
  note: string;
  body: string;
}

interface TreeMemory {
  tiles: Lru<number, Tile>;
  rows: Lru<number, Uint8Array>;
  notes: Lru<number, SignedNote>;
  /** A size the tree is known to reach: every tile below it is full. */
  reached: number;
  /** Full tiles a proof had to read rows of, to load in the background (each once). */
  loading: Set<number>;
}

/** One cache per database handle (the audit plugin and receipts build their own Tlog over the same one). */
const caches = new WeakMap<object, TreeMemory>();
function cacheOf(db: object): TreeMemory {
  let cache = caches.get(db);
  if (!cache) {
    cache = { tiles: new Lru(CACHED_TILES), rows: new Lru(CACHED_ROWS), notes: new Lru(CACHED_NOTES), reached: 0, loading: new Set() };
    caches.set(db, cache);
  }
  return cache;
}

/** Loads full tiles [first, end) that are not in memory yet, TILES_PER_READ per query; a tile with a missing row is skipped. */
async function loadTiles(db: Executor, cache: TreeMemory, first: number, end: number): Promise<number> {
  let loaded = 0;
  for (let t = first; t < end; t += TILES_PER_READ) {
    const last = Math.min(end, t + TILES_PER_READ);
    let from = t;
    while (from < last && cache.tiles.has(from)) from++;
    if (from === last) continue;
    for (const { tile, bytes, lengths } of await fullTreeTiles(db, from, last, TILE_LEAVES)) {
      cache.tiles.set(tile, tileFrom(bytes, lengths));
      cache.reached = Math.max(cache.reached, (tile + 1) * TILE_LEAVES);
      loaded++;
    }
  }
  return loaded;
}

/**
 * Loads the newest full tiles of the tree into memory, as many as the cache holds (server.ts runs
 * it in the background after the tree's catch-up), so that proofs need no query. Proofs work
 * meanwhile: what is not loaded yet is read from the database as before.
 */
export async function warmAuditTree(db: Executor): Promise<{ tiles: number; seconds: number }> {
  const started = performance.now();
  const cache = cacheOf(db);
  const full = Math.floor((await treeSize(db)) / TILE_LEAVES);
  const tiles = await loadTiles(db, cache, Math.max(0, full - CACHED_TILES), full);
  return { tiles, seconds: (performance.now() - started) / 1000 };
}

/** Full tiles held in memory for this database (the metric gerbang_audit_tree_tiles_in_memory). */
export const tilesInMemory = (db: object): number => caches.get(db)?.tiles.size ?? 0;

/** A row needed for a size is not stored (yet). */
class TreeBehind extends Error {}

const beyondHead = (path: string, size: number, head: number) =>
  validationFailed([{ path, message: `tree size ${size} is beyond the head of the log (${head})` }]);

/** The log's note signer: LOG_SIGNING_KEY_FILE's Ed25519 key under the name LOG_ORIGIN. */
export function logNoteSigner(ctx: Pick<AppContext, 'config' | 'keys'>): NoteSigner {
  const { publicKey, privateKey } = ctx.keys.logSigningKey;
  const name = ctx.config.LOG_ORIGIN;
  return { name, type: ED25519, keyId: keyId(name, ED25519, publicKey), publicKey, privateKey };
}

export function createTlog(ctx: AppContext) {
  const { db } = ctx.database;
  const signer = logNoteSigner(ctx);
  const origin = ctx.config.LOG_ORIGIN;

  const cache = cacheOf(db);

  /** A full tile a proof needed rows of: loaded after the answer, unless that would evict others. */
  function loadLater(tile: number): void {
    if (cache.loading.has(tile) || cache.tiles.size >= CACHED_TILES) return;
    cache.loading.add(tile);
    setImmediate(() => {
      loadTiles(db, cache, tile, tile + 1)
        .catch(() => undefined) // a cache that stays cold is not an error: the next proof reads its rows again
        .finally(() => cache.loading.delete(tile));
    });
  }

  /** Stored rows, from memory where it has them, the rest in one query (then kept: rows never change). */
  const cachedReader = (executor: Executor): RowReader => async (wanted) => {
    const found = new Map<number, Uint8Array>();
    const missing: number[] = [];
    for (const row of wanted) {
      const tile = cache.tiles.get(Math.floor(row / TILE_LEAVES));
      const hit = tile ? tileRow(tile, row % TILE_LEAVES) : cache.rows.get(row);
      if (hit) found.set(row, hit);
      else missing.push(row);
    }
    if (missing.length > 0) {
      for (const [row, hashes] of await treeRowReader(executor)(missing)) {
        cache.rows.set(row, hashes);
        found.set(row, hashes);
        cache.reached = Math.max(cache.reached, row + 1);
      }
      for (const row of missing) {
        const tile = Math.floor(row / TILE_LEAVES);
        if ((tile + 1) * TILE_LEAVES <= cache.reached) loadLater(tile);
      }
    }
    return found;
  };

  /**
   * Hashes of ranges of the first `size` leaves. The tree's rows are contiguous, so the row of leaf
   * size - 1 (read with the others) proves the tree reaches `size`: no count, no head read. Without
   * it, the size is beyond the head (422) or the catch-up has not reached it yet (503, Retry-After).
   */
  async function hashesOf(executor: Executor, size: number, ranges: Range[], path = 'treeSize'): Promise<Buffer[]> {
    if (size === 0) return rangeHashes(ranges, cachedReader(executor));
    const read = cachedReader(executor);
    const hashes = await rangeHashes([[size - 1, size], ...ranges], async (wanted) => {
      const found = await read(wanted);
      if (!found.has(size - 1)) throw new TreeBehind();
      return found;
    }).catch(async (err: unknown) => {
      if (!(err instanceof TreeBehind)) throw err;
      const head = (await readHead(executor)).seq;
      if (size > head) throw beyondHead(path, size, head);
      throw new AppError('AUDIT_TREE_INCOMPLETE', {
        headers: { 'retry-after': '5' },
        detail: {
          id: `Pohon Merkle belum mencapai ukuran ${size} (pengisian sedang berjalan, atau lihat GET /v1/audit/verify); coba lagi nanti`,
          en: `The Merkle tree does not reach size ${size} yet (its catch-up is running, or check GET /v1/audit/verify); try again later`,
        },
      });
    });
    return hashes.slice(1);
  }

  /** The signed checkpoint note of a tree size (Ed25519 is deterministic: the same note every time, so cached). */
  async function note(size: number, executor: Executor = db): Promise<SignedNote> {
    const cached = cache.notes.get(size);
    if (cached) return cached;
    const root = size === 0 ? EMPTY_ROOT : ((await hashesOf(executor, size, [[0, size]]))[0] as Buffer);
    const body = checkpointBody({ origin, treeSize: size, rootHash: root });
    const signed = { treeSize: size, rootHash: b64(root), note: signNote(body, signer), body };
    cache.notes.set(size, signed);
    return signed;
  }

  async function headSeq(): Promise<number> {
    return (await readHead(db)).seq;
  }

  return {
    note,
    verifierKey: verifierKey(signer),

    /** RFC 9162 2.1.3 for the event `seq` in the tree of `treeSize` (default: the head). */
    async inclusion(seq: number, size?: number) {
      // With an explicit size the head is not read: hashesOf finds out whether the tree reaches it.
      const n = size ?? (await headSeq());
      if (seq > n) throw validationFailed([{ path: 'seq', message: `seq ${seq} is not in a tree of size ${n}` }]);
      const m = seq - 1;
      const ranges = inclusionRanges(m, 0, n);
      const all = await hashesOf(db, n, [[m, m + 1], [0, n], ...ranges]);
      return { leafIndex: m, treeSize: n, leafHash: b64(all[0] as Buffer), rootHash: b64(all[1] as Buffer), hashes: all.slice(2).map(b64) };
    },

    /** RFC 9162 2.1.4 between two tree sizes. */
    async consistency(from: number, to: number) {
      if (from > to) throw validationFailed([{ path: 'from', message: 'from must not exceed to' }]);
      return { from, to, hashes: (await hashesOf(db, to, consistencyRanges(from, to), 'to')).map(b64) };
    },

    /** The latest size with cosignatures: its note carries the log's signature and every cosignature. */
    async cosigned() {
      const size = await latestCosignedSize(db);
      if (size === null) throw notFound({ id: 'Belum ada checkpoint yang ditandatangani saksi', en: 'No checkpoint has been cosigned yet' });
      const signed = await note(size);
      const lines = await cosignaturesAt(db, size);
      return {
        ...signed,
        note: signed.note + lines.map((l) => `${l.signature_line}\n`).join(''),
        cosignatures: lines.map((l) => ({ witness: l.witness, signedAt: new Date(Number(l.signed_at) * 1000).toISOString(), signatureLine: l.signature_line })),
      };
    },

    async registerWitness(meta: RequestMeta, vkey: string) {
      let parsed;
      try {
        parsed = parseVerifierKey(vkey);
      } catch (err) {
        throw validationFailed([{ path: 'vkey', message: err instanceof Error ? err.message : String(err) }]);
      }
      if (parsed.type !== COSIGNATURE_V1) {
        throw validationFailed([{ path: 'vkey', message: 'a witness key has type 0x04 (Ed25519 cosignature/v1)' }]);
      }
      return db.transaction(async (tx) => {
        const at = ctx.clock().toISOString();
        const row = await insertWitness(tx, { name: parsed.name, keyId: parsed.keyId.toString('hex'), vkey, at, by: meta.auth.sub });
        if (!row) throw new AppError('WITNESS_EXISTS');
        await appendAudit(tx, {
          actor: meta.actor, action: 'audit.witness_registered', entityType: 'audit_witness', entityId: row.name,
          data: { name: row.name, keyId: row.key_id, vkey: row.vkey }, requestId: meta.requestId,
        }, ctx.clock);
        return { name: row.name, keyId: row.key_id, vkey: row.vkey, registeredAt: row.registered_at };
      });
    },

    /** Verifies a witness's cosignature/v1 line over the checkpoint of `treeSize` and stores it. */
    async addCosignature(meta: RequestMeta, input: { treeSize: number; signatureLine: string }) {
      const head = await headSeq();
      if (input.treeSize > head) throw beyondHead('treeSize', input.treeSize, head);
      const line = parseSignatureLine(input.signatureLine);
      if (!line) throw validationFailed([{ path: 'signatureLine', message: 'expected "— <witness name> <base64 signature>"' }]);
      const invalid = (id: string, en: string) => new AppError('COSIGNATURE_INVALID', { detail: { id, en } });
      // A witness's own token may only bring its own cosignatures; an inspector or admin may relay anyone's.
      if (!hasRole(meta.auth, 'inspector', 'admin') && meta.auth.sub !== line.name) throw new AppError('FORBIDDEN');
      const witness = await findWitness(db, line.name);
      if (!witness) throw invalid(`Saksi ${line.name} tidak terdaftar`, `Witness ${line.name} is not registered`);
      const { body, rootHash } = await note(input.treeSize);
      const timestamp = cosignatureTime(body, line, parseVerifierKey(witness.vkey));
      if (timestamp === null) {
        throw invalid('Tanda tangan tidak cocok dengan checkpoint ukuran ini dan kunci saksi', 'The signature does not match this size\'s checkpoint and the witness key');
      }
      if (timestamp > BigInt(Math.floor(ctx.clock().getTime() / 1000)) + FUTURE_SKEW_S) {
        throw invalid('Waktu tanda tangan ada di masa depan', 'The cosignature is dated in the future');
      }
      return db.transaction(async (tx) => {
        const row = await insertCosignature(tx, {
          treeSize: input.treeSize, witness: line.name, rootHash, signedAt: Number(timestamp), line: input.signatureLine, at: ctx.clock().toISOString(),
        });
        if (!row) throw new AppError('COSIGNATURE_EXISTS');
        await appendAudit(tx, {
          actor: meta.actor, action: 'audit.cosigned', entityType: 'audit_checkpoint', entityId: String(input.treeSize),
          data: { treeSize: input.treeSize, rootHash, witness: line.name, signedAt: Number(timestamp) }, requestId: meta.requestId,
        }, ctx.clock);
        return { treeSize: input.treeSize, witness: line.name, signedAt: new Date(Number(timestamp) * 1000).toISOString(), signatureLine: input.signatureLine };
      });
    },
  };
}

export type Tlog = ReturnType<typeof createTlog>;
