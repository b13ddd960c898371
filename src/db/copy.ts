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
 * Sends `lines` (COPY text format: one line per row, columns separated by tabs, each line ending
 * in a newline) into `target` (`table (columns)`) with one `COPY ... FROM STDIN` inside `tx`.
 * One statement per batch, never one held open while the request body is still being read: a
 * statement lives only as long as the database takes to load the batch, far within the pool's
 * statement_timeout however slowly the body arrives.
 */
export async function copyBatch(database: Database, tx: Tx, target: string, lines: string): Promise<void> {
  if (lines === '') return;
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
