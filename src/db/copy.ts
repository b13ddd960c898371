// Bulk loading with COPY ... FROM STDIN in its binary format (PostgreSQL's fastest way in): each
// batch of rows is one COPY statement over the transaction's own connection (pg-copy-streams), or,
// on embedded PGlite (one connection, no COPY protocol stream), one COPY from a blob.
import { finished } from 'node:stream/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Tx } from './client.ts';

/** The header of COPY's binary format: its signature, no flags, no header extension. */
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** The end of the rows: a field count of -1. */
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);
/** PostgreSQL counts dates and instants from 2000-01-01 UTC. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;
const TEXT_OID = 25;

// drizzle keeps the transaction's connection (a pg PoolClient, or PGlite's transaction) on its
// session; COPY needs it directly. This is the one place that reaches for it.
const connectionOf = (tx: Tx): unknown => (tx as unknown as { session: { client: unknown } }).session.client;

/**
 * Rows in COPY's binary format (PostgreSQL's documentation, "COPY: Binary Format"), gathered in
 * reused buffers. Binary, not text: the database reads each field by its length and dates and
 * instants as numbers, where text made it split lines, undo escapes and parse dates (a
 * 1,000,000-record membership import's staging, in psql: 5.6-6.1 s as text, 4.0-4.4 s binary).
 * A UTF-8 buffer reused batch after batch: a batch built as one string cost the garbage collector
 * about a quarter of a large import's reading. Two buffers alternate: `take` hands over the rows so
 * far, and the next rows go to the other buffer, so whatever a caller took must be sent before it
 * calls `take` again.
 */
export class CopyRows {
  #buffers: [Buffer, Buffer];
  #current: 0 | 1 = 0;
  #used = 0;
  /** Rows begun since the last `take`. */
  count = 0;

  constructor(initialBytes = 1024 * 1024) {
    this.#buffers = [Buffer.allocUnsafe(initialBytes), Buffer.allocUnsafe(initialBytes)];
  }

  /** The current buffer, with room for `bytes` more (grown once when too small). */
  #room(bytes: number): Buffer {
    const buffer = this.#buffers[this.#current];
    if (this.#used + bytes <= buffer.length) return buffer;
    const larger = Buffer.allocUnsafe(Math.max(buffer.length * 2, this.#used + bytes));
    buffer.copy(larger, 0, 0, this.#used);
    this.#buffers[this.#current] = larger;
    return larger;
  }

  /** Begins a row of `fields` fields; each field is then added in the target's column order. */
  row(fields: number): void {
    this.#used = this.#room(2).writeInt16BE(fields, this.#used);
    this.count++;
  }

  int4(value: number): void {
    const buffer = this.#room(8);
    buffer.writeInt32BE(4, this.#used);
    this.#used = buffer.writeInt32BE(value, this.#used + 4);
  }

  /** A text field in UTF-8 (a lone surrogate becomes U+FFFD); null is SQL NULL. */
  text(value: string | null): void {
    if (value === null) this.#used = this.#room(4).writeInt32BE(-1, this.#used);
    else this.#utf8(value, false);
  }

  /** A jsonb field from its JSON text. */
  jsonb(json: string): void {
    this.#utf8(json, true);
  }

  /** A field of `value` in UTF-8, after jsonb's version byte (1) when `jsonb`. */
  #utf8(value: string, jsonb: boolean): void {
    const prefix = jsonb ? 1 : 0;
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    const buffer = this.#room(4 + prefix + value.length * 3);
    const bytes = buffer.write(value, this.#used + 4 + prefix);
    buffer.writeInt32BE(prefix + bytes, this.#used);
    if (jsonb) buffer[this.#used + 4] = 1;
    this.#used += 4 + prefix + bytes;
  }

  /** A date field from YYYY-MM-DD (a valid calendar date). */
  date(isoDate: string): void {
    this.int4((Date.parse(`${isoDate}T00:00:00Z`) - PG_EPOCH_MS) / DAY_MS);
  }

  /** A timestamptz field from an instant PostgreSQL keeps to the microsecond (a JS Date's millisecond is exact). */
  timestamptz(instant: string): void {
    const buffer = this.#room(12);
    buffer.writeInt32BE(8, this.#used);
    this.#used = buffer.writeBigInt64BE(BigInt(Date.parse(instant) - PG_EPOCH_MS) * 1000n, this.#used + 4);
  }

  /** A text[] field: one dimension from 1, no NULL elements (an empty array has no dimension). */
  textArray(values: readonly string[]): void {
    const start = this.#used;
    const buffer = this.#room(24);
    let at = buffer.writeInt32BE(values.length === 0 ? 0 : 1, start + 4);
    at = buffer.writeInt32BE(0, at);
    at = buffer.writeInt32BE(TEXT_OID, at);
    if (values.length > 0) {
      at = buffer.writeInt32BE(values.length, at);
      at = buffer.writeInt32BE(1, at);
    }
    this.#used = at;
    for (const value of values) this.text(value);
    // The field's length, once its elements are written (the buffer may have grown meanwhile).
    this.#buffers[this.#current].writeInt32BE(this.#used - start - 4, start);
  }

  /** Fields already encoded (by another CopyRows): what many rows share, encoded once. */
  encoded(fields: Uint8Array): void {
    this.#room(fields.length).set(fields, this.#used);
    this.#used += fields.length;
  }

  /** What was added since the last call (a view of the buffer, valid until the next call). */
  take(): Buffer {
    const rows = this.#buffers[this.#current].subarray(0, this.#used);
    this.#current = this.#current === 0 ? 1 : 0;
    this.#used = 0;
    this.count = 0;
    return rows;
  }
}

/**
 * Sends `rows` (CopyRows' binary rows, without header or trailer) into `target` (`table (columns)`)
 * with one `COPY ... FROM STDIN (FORMAT binary)` inside `tx`.
 * One statement per batch, never one held open while the request body is still being read: a
 * statement lives only as long as the database takes to load the batch, far within the pool's
 * statement_timeout however slowly the body arrives.
 */
export async function copyBatch(database: Database, tx: Tx, target: string, rows: Uint8Array): Promise<void> {
  if (rows.length === 0) return;
  if (database.kind === 'pglite') {
    const client = connectionOf(tx) as PGlite | Transaction;
    await client.query(`copy ${target} from '/dev/blob' (format binary)`, [], { blob: new Blob([BINARY_HEADER, rows, BINARY_TRAILER]) });
    return;
  }
  const client = connectionOf(tx) as pg.PoolClient;
  const stream = client.query(copyFrom(`copy ${target} from stdin (format binary)`));
  stream.write(BINARY_HEADER);
  stream.write(rows);
  stream.end(BINARY_TRAILER);
  await finished(stream);
}
