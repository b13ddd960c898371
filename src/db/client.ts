import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** What repositories take: the database or a transaction in progress. */
export type Executor = Db | Tx;

export interface Database {
  readonly kind: 'pg' | 'pglite';
  readonly db: Db;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Runs raw SQL and returns its rows; both drivers answer with a `rows` array. */
export async function rows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * Returns once everything committed so far is on disk. A transaction that writes WAL commits
 * synchronously, and its commit record follows every commit already made, so waiting for it waits
 * for them too; concurrent callers' flushes are grouped by PostgreSQL. It must write WAL: an xid
 * alone (`txid_current()`) commits without waiting (the crash-durability drill lost answered
 * decisions that way), so it emits an empty transactional logical message, allowed to any role.
 */
export async function flushWal(db: Executor): Promise<void> {
  await db.execute(sql`select pg_logical_emit_message(true, 'gerbang', '')`);
}

export interface PgOptions {
  url: string;
  logger: Logger;
  max?: number;
  /** Server-side statement timeout; the client-side query timeout adds a margin for a frozen server. */
  statementTimeoutMs?: number;
}

/**
 * A client-side query timeout (a frozen or unreachable server) leaves the connection waiting for
 * the server's answer: the transaction's ROLLBACK queues behind it (a second full timeout, measured
 * in the freeze drill) and the pool hands the connection out again. Closing the socket fails both
 * at once, and the pool drops the closed client.
 */
function closeOnQueryTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const socket = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      result.catch((err: unknown) => {
        if (err instanceof Error && err.message === 'Query read timeout') socket?.destroy();
      });
    }
    return result;
  };
}

export async function openPostgres(options: PgOptions): Promise<Database & { pool: pg.Pool }> {
  const statementTimeout = options.statementTimeoutMs ?? 15_000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeout,
    idle_in_transaction_session_timeout: 60_000,
    query_timeout: statementTimeout + 5_000,
    keepAlive: true,
    application_name: 'gerbang',
  });
  // pool.on('error') only covers idle clients; a client checked out when the server goes away
  // emits 'error' on itself, and without a listener that crashes the process (57P01 on restart).
  pool.on('error', (err) => options.logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'idle database client failed'));
  pool.on('connect', (client) => {
    client.on('error', (err) => options.logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database client failed'));
    closeOnQueryTimeout(client);
  });
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  // Warm the pool so the first requests do not pay for connecting.
  const warm = Math.min(options.max ?? 10, 4);
  const clients = await Promise.all(Array.from({ length: warm }, () => pool.connect()));
  for (const c of clients) c.release();
  return {
    kind: 'pg',
    db,
    pool,
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}

export async function openPglite(dataDir: string): Promise<Database & { client: PGlite }> {
  const dir = path.resolve(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    client,
    async ping() {
      await client.query('select 1');
    },
    async close() {
      await client.close();
    },
  };
}
