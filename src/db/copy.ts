// Bulk loading with COPY ... FROM STDIN (PostgreSQL's fastest way in): each batch of rows is one
// COPY statement over the transaction's own connection (pg-copy-streams), or, on embedded PGlite
// (one connection, no COPY protocol stream), one COPY from a blob.
import { finished } from 'node:stream/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Tx } from './client.ts';

/** A field as COPY text: `\N` for null; backslash, tab and line breaks escaped. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

// drizzle keeps the transaction's connection (a pg PoolClient, or PGlite's transaction) on its
// session; COPY needs it directly. This is the one place that reaches for it.
const connectionOf = (tx: Tx): unknown => (tx as unknown as { session: { client: unknown } }).session.client;

/**
 * COPY text lines gathered as UTF-8 in a buffer, reused batch after batch: a batch built as one
 * string (about 5,000 pieces kept alive until it was sent, then flattened and encoded) cost the
 * garbage collector about a quarter of a large import's reading. Two buffers alternate: `take`
 * hands over the lines so far, and the next lines go to the other buffer, so whatever a caller
 * took must be sent before it calls `take` again.
 */
export class CopyLines {
  #buffers: [Buffer, Buffer];
  #current: 0 | 1 = 0;
  #used = 0;
  /** Lines added since the last `take`. */
  count = 0;

  constructor(initialBytes = 1024 * 1024) {
    this.#buffers = [Buffer.allocUnsafe(initialBytes), Buffer.allocUnsafe(initialBytes)];
  }

  /** One line, its newline included. */
  add(line: string): void {
    let buffer = this.#buffers[this.#current];
    // A UTF-16 code unit takes at most 3 bytes in UTF-8; a buffer too small for that grows once.
    if (this.#used + line.length * 3 > buffer.length) {
      const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, this.#used + line.length * 3));
      buffer.copy(larger, 0, 0, this.#used);
      this.#buffers[this.#current] = buffer = larger;
    }
    this.#used += buffer.write(line, this.#used);
    this.count++;
  }

  /** The lines added since the last call (a view of the buffer, valid until the next call). */
  take(): Buffer {
    const lines = this.#buffers[this.#current].subarray(0, this.#used);
    this.#current = this.#current === 0 ? 1 : 0;
    this.#used = 0;
    this.count = 0;
    return lines;
  }
}

/**
 * Sends `lines` (COPY text format: one line per row, columns separated by tabs, each line ending
 * in a newline; a string or its UTF-8 bytes) into `target` (`table (columns)`) with one
 * `COPY ... FROM STDIN` inside `tx`.
 * One statement per batch, never one held open while the request body is still being read: a
 * statement lives only as long as the database takes to load the batch, far within the pool's
 * statement_timeout however slowly the body arrives.
 */
export async function copyBatch(database: Database, tx: Tx, target: string, lines: string | Uint8Array): Promise<void> {
  if (lines.length === 0) return;
  if (database.kind === 'pglite') {
    const client = connectionOf(tx) as PGlite | Transaction;
    await client.query(`copy ${target} from '/dev/blob'`, [], { blob: new Blob([lines]) });
    return;
  }
  const client = connectionOf(tx) as pg.PoolClient;
  const stream = client.query(copyFrom(`copy ${target} from stdin`));
  stream.end(lines);
  await finished(stream);
}
