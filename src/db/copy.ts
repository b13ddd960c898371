// Bulk loading with COPY ... FROM STDIN (PostgreSQL's fastest way in): streamed over the
// transaction's own connection with pg-copy-streams, or, on embedded PGlite (one connection, no
// COPY protocol stream), buffered and sent as a blob per few megabytes.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Tx } from './client.ts';

/** Rows go in as COPY's text format: one line per row, columns separated by tabs. */
export interface CopyWriter {
  write(lines: string): Promise<void>;
  /** Completes the COPY; resolves once the database has taken every row. */
  end(): Promise<void>;
  /** Gives up (the transaction is then rolled back by its owner). */
  abort(): Promise<void>;
}

/** A field as COPY text: `\N` for null; backslash, tab and line breaks escaped. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

const PGLITE_BLOB_BYTES = 8 * 1024 * 1024;

// drizzle keeps the transaction's connection (a pg PoolClient, or PGlite's transaction) on its
// session; COPY needs it directly. This is the one place that reaches for it.
const connectionOf = (tx: Tx): unknown => (tx as unknown as { session: { client: unknown } }).session.client;

/** Starts `copy <table> (<columns>) from stdin` inside the transaction `tx`. */
export async function openCopy(database: Database, tx: Tx, target: string): Promise<CopyWriter> {
  if (database.kind === 'pglite') {
    const client = connectionOf(tx) as PGlite | Transaction;
    let buffered: string[] = [];
    let size = 0;
    const flush = async () => {
      if (size === 0) return;
      const blob = new Blob(buffered);
      buffered = [];
      size = 0;
      await client.query(`copy ${target} from '/dev/blob'`, [], { blob });
    };
    return {
      async write(lines) {
        buffered.push(lines);
        size += lines.length;
        if (size >= PGLITE_BLOB_BYTES) await flush();
      },
      end: flush,
      async abort() {
        buffered = [];
        size = 0;
      },
    };
  }
  const client = connectionOf(tx) as pg.PoolClient;
  const stream = client.query(copyFrom(`copy ${target} from stdin`));
  let failure: Error | null = null;
  stream.on('error', (err: Error) => {
    failure = err;
  });
  return {
    async write(lines) {
      if (failure) throw failure;
      if (!stream.write(lines)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
      if (failure) throw failure;
    },
    async end() {
      stream.end();
      await finished(stream);
    },
    async abort() {
      if (stream.destroyed || stream.writableFinished) return;
      stream.destroy(new Error('import refused'));
      await finished(stream).catch(() => {});
    },
  };
}
