import { sql } from 'drizzle-orm';
import { rows, type Executor, type Tx } from '../db/client.ts';
import { createTreeBuilder, frontierOf, rowOf, type RowReader } from './merkle.ts';

// bytea arrives as a Buffer from node-postgres and as a Uint8Array from PGlite.
const asBuffer = (v: Uint8Array): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

// An event's own leaf is stored by its append (migration 0027, gerbang_append_audit): PostgreSQL's
// sha256() hashes the subtrees the leaf completes with their stored left siblings, inside the
// append's statement while the head lock is held.

export async function treeSize(db: Executor): Promise<number> {
  const [row] = await rows<{ size: string | number }>(db, sql`select coalesce(max(leaf_index) + 1, 0) as size from audit_tree`);
  return Number(row?.size ?? 0);
}

/** Reads stored rows by leaf index, for proofs and roots. */
export function treeRowReader(db: Executor): RowReader {
  return async (wanted) => {
    const found = await rows<{ leaf_index: string | number; hashes: Uint8Array }>(db, sql`
      select leaf_index, hashes from audit_tree where leaf_index in (${sql.join(wanted.map((r) => sql`${r}`), sql`, `)})`);
    return new Map(found.map((r) => [Number(r.leaf_index), asBuffer(r.hashes)]));
  };
}

/**
 * Tiles [first, end) of `width` leaves that are full: per tile its rows concatenated in leaf order
 * (PostgreSQL joins them, so a tile arrives as one value, not 256 rows to parse and collect) and
 * the length of each row. A tile with a row missing is left out.
 */
export async function fullTreeTiles(db: Executor, first: number, end: number, width: number): Promise<Array<{ tile: number; bytes: Buffer; lengths: number[] }>> {
  const found = await rows<{ tile: string | number; bytes: Uint8Array; lengths: number[] }>(db, sql`
    select leaf_index / ${width} as tile, string_agg(hashes, ''::bytea order by leaf_index) as bytes,
           array_agg(octet_length(hashes) order by leaf_index) as lengths
    from audit_tree where leaf_index >= ${first * width} and leaf_index < ${end * width}
    group by 1 having count(*) = ${width} order by 1`);
  return found.map((r) => ({ tile: Number(r.tile), bytes: asBuffer(r.bytes), lengths: r.lengths.map(Number) }));
}

/** A builder positioned at the tree's current end (its frontier read in one query). */
export async function treeBuilderAtEnd(db: Executor) {
  const size = await treeSize(db);
  const parts = frontierOf(size);
  const stored = parts.length > 0 ? await treeRowReader(db)(parts.map(rowOf)) : new Map<number, Buffer>();
  const frontier = parts.map((p) => {
    const row = stored.get(rowOf(p));
    if (!row) throw new Error(`the tree has no row ${rowOf(p)}`);
    return Buffer.from(row.subarray(p.level * 32, p.level * 32 + 32));
  });
  return createTreeBuilder(size, frontier);
}

export type TreeBuilder = Awaited<ReturnType<typeof treeBuilderAtEnd>>;

/** Appends leaves with a builder positioned at the tree's end: hashed here, stored in one statement. */
export async function appendWithBuilder(tx: Tx, builder: TreeBuilder, leaves: readonly Buffer[]): Promise<void> {
  if (leaves.length === 0) return;
  const first = builder.size;
  const batch = leaves.map((leaf, i) => ({ i: first + i, h: builder.append(leaf).toString('hex') }));
  await tx.execute(sql`
    insert into audit_tree (leaf_index, hashes)
    select i, decode(h, 'hex') from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as r(i bigint, h text) order by i`);
}

/**
 * Appends the leaves of events from leaf index `first` on (bulk loads): the frontier read once,
 * everything hashed here. Skipped while the tree is behind (the start-up catch-up takes them).
 */
export async function appendTreeLeaves(tx: Tx, first: number, leaves: readonly Buffer[]): Promise<void> {
  if (leaves.length === 0) return;
  const builder = await treeBuilderAtEnd(tx);
  // Behind: the catch-up takes them. Ahead (the head moved back by hand): the stored leaves stay.
  if (builder.size === first) await appendWithBuilder(tx, builder, leaves);
}
