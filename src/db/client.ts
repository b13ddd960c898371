import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Logger } from 'pino';
import { clientClassFor, HostSelector } from './connector.ts';
import { describeEndpoint, parsePgUrl, singleHostUrl, type Endpoint } from './hosts.ts';
import { initdbTemplate } from './pglite-template.ts';
import { createReader } from './reader.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** What repositories take: the database or a transaction in progress. */
export type Executor = Db | Tx;

/** For /readyz: whether a host takes writes now, and which (host:port, never a password). */
export interface DatabaseStatus {
  database: 'ok' | 'read-only' | 'down';
  host: string | null;
}

export interface Database {
  readonly kind: 'pg' | 'pglite';
  /** The primary: every write, and every read a client may make right after its own write. */
  readonly db: Db;
  /**
   * Where reads that may lag a little go (the forecast, audit exports and verification only): the
   * DATABASE_READ_URL pool when it has replayed everything the primary had committed when asked,
   * else the primary.
   */
  reader(): Promise<Executor>;
  /** The primary as the connector last found it; `database: ok` says nothing of a query in flight. */
  status(): DatabaseStatus;
  /** The read pool's host, when there is one. */
  readStatus(): DatabaseStatus | null;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A timestamp column as RFC 3339 UTC text, as Date#toISOString prints it (microseconds with 'US', for cursors). */
export const utc = (column: SQL, precision: 'MS' | 'US' = 'MS'): SQL =>
  sql`to_char(${column} at time zone 'UTC', ${`YYYY-MM-DD"T"HH24:MI:SS.${precision}"Z"`})`;

/** Runs raw SQL and returns its rows; both drivers answer with a `rows` array. */
export async function rows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

const dialect = new PgDialect();
const statementNames = new Map<string, string>();

/**
 * `rows` as a named prepared statement, for a hot statement whose text is one of a few: each
 * connection parses it once, and PostgreSQL keeps its plan, instead of parsing and planning a
 * long statement on every call (a decision's single statement spent 0.37 ms of database CPU
 * there). The name is derived from the text, so different texts never share one. With PGlite
 * the name is ignored.
 */
export async function preparedRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const built = dialect.sqlToQuery(query);
  let name = statementNames.get(built.sql);
  if (name === undefined) {
    if (statementNames.size >= 64) statementNames.clear();
    name = `gerbang_${createHash('sha256').update(built.sql).digest('base64url').slice(0, 24)}`;
    statementNames.set(built.sql, name);
  }
  const result = (await executor._.session.prepareQuery(built, undefined, name, false).execute()) as unknown as { rows: T[] };
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

/**
 * flushWal shared by concurrent callers (group commit in the application): one flush in flight at
 * a time, and every caller who asks meanwhile shares the next one. A flush covers the commits made
 * before it was sent, so a caller never joins one already sent; at 10 concurrent decisions this
 * saves most flushes' round trips, connections and commit records.
 */
export function createWalFlusher(db: Executor): () => Promise<void> {
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  const start = (): Promise<void> => {
    const flush = flushWal(db).finally(() => {
      if (running === flush) running = null;
    });
    running = flush;
    return flush;
  };
  return () => {
    if (next) return next;
    if (!running) return start();
    const queued = running.catch(() => undefined).then(() => {
      next = null;
      return start();
    });
    next = queued;
    return queued;
  };
}

export interface PgOptions {
  /** One host or several (libpq syntax, target_session_attrs honoured). */
  url: string;
  /** DATABASE_READ_URL: a standby for the reads that may lag. */
  readUrl?: string;
  logger: Logger;
  max?: number;
  /** Server-side statement timeout; the client-side query timeout adds a margin for a frozen server. */
  statementTimeoutMs?: number;
  /** Told where each read that may lag went (DATABASE_READ_URL's standby or the primary). */
  onRead?: (source: 'replica' | 'primary') => void;
}

/**
 * Two failures after which a connection must not be handed out again, so it is closed (the pool
 * drops a closed client):
 * - a client-side query timeout (a frozen or unreachable server) leaves the connection waiting for
 *   the server's answer: the transaction's ROLLBACK queues behind it (a second full timeout,
 *   measured in the freeze drill) and the pool would hand the connection out again;
 * - a write refused as read-only (25006): the host was made read-only under a live connection
 *   (default_transaction_read_only, a demotion), so the selector must search again for a writable
 *   host, and this connection must not take the next request's write.
 */
function closeOnFailure(client: pg.PoolClient, selector: HostSelector): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const self = client as unknown as { host: string; port: number; connection?: { stream?: { destroy(): void } } };
  const socket = self.connection?.stream;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (result instanceof Promise) {
      result.catch((err: unknown) => {
        if (err instanceof Error && err.message === 'Query read timeout') socket?.destroy();
        if ((err as { code?: unknown }).code === '25006' && selector.checks) {
          selector.lost({ host: self.host, port: self.port });
          socket?.destroy();
        }
      });
    }
    return result;
  };
}

export interface PgPool {
  pool: pg.Pool;
  selector: HostSelector;
}

/**
 * A pool whose connections go to the host the selector chose (src/db/connector.ts). With one
 * host and no target_session_attrs it behaves as a plain node-postgres pool.
 */
export function openPool(options: { url: string; logger: Logger; max: number; statementTimeoutMs: number; applicationName: string }): PgPool {
  const target = parsePgUrl(options.url);
  const log = options.logger;
  const selector = new HostSelector(target, {
    onChange: (to, hosts) => {
      const seen = hosts.map((h) => ({ host: describeEndpoint(h.endpoint), state: h.state, readOnly: h.readOnly, ...(h.error ? { error: h.error } : {}) }));
      if (to) log.warn({ pool: options.applicationName, host: describeEndpoint(to), hosts: seen }, 'database host chosen');
      else log.warn({ pool: options.applicationName }, 'database host lost: the next connection tries every host again');
    },
  });
  // Trying every host may take one connect timeout per host before the pool gives up.
  const connectBudget = Math.max(3_000, target.hosts.length * selector.perHostTimeoutMs + 1_000);
  const pool = new pg.Pool({
    connectionString: singleHostUrl(target, target.hosts[0] as Endpoint),
    Client: clientClassFor(selector),
    max: options.max,
    connectionTimeoutMillis: selector.checks ? connectBudget : 3_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: 60_000,
    query_timeout: options.statementTimeoutMs + 5_000,
    keepAlive: true,
    application_name: options.applicationName,
  });
  const errorInfo = (err: Error) => ({ err: { message: err.message, code: (err as { code?: string }).code } });
  // pool.on('error') only covers idle clients; a client checked out when the server goes away
  // emits 'error' on itself, and without a listener that crashes the process (57P01 on restart).
  pool.on('error', (err) => log.warn(errorInfo(err), 'idle database client failed'));
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn(errorInfo(err), 'database client failed'));
    closeOnFailure(client, selector);
  });
  return { pool, selector };
}

export async function openPostgres(options: PgOptions): Promise<Database & { pool: pg.Pool }> {
  const statementTimeoutMs = options.statementTimeoutMs ?? 15_000;
  const max = options.max ?? 10;
  const { pool, selector } = openPool({ url: options.url, logger: options.logger, max, statementTimeoutMs, applicationName: 'gerbang' });
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const read = options.readUrl
    ? openPool({ url: options.readUrl, logger: options.logger, max: Math.max(2, Math.ceil(max / 2)), statementTimeoutMs, applicationName: 'gerbang-read' })
    : null;
  const readDb = read ? (drizzlePg({ client: read.pool, schema }) as unknown as Db) : null;
  const reader = read && readDb ? createReader({ primary: pool, replica: read.pool, primaryDb: db, replicaDb: readDb, logger: options.logger, ...(options.onRead ? { onPick: options.onRead } : {}) }) : null;
  // Warm the pool so the first requests do not pay for connecting.
  const warm = Math.min(max, 4);
  const clients = await Promise.all(Array.from({ length: warm }, () => pool.connect()));
  for (const c of clients) c.release();
  return {
    kind: 'pg',
    db,
    pool,
    reader: reader ? () => reader.pick() : async () => db,
    status: () => {
      const s = selector.status();
      return { database: s.state, host: s.host };
    },
    readStatus: () => {
      if (!read) return null;
      const s = read.selector.status();
      return { database: s.state === 'ok' ? 'ok' : 'down', host: s.host };
    },
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await Promise.all([pool.end(), read?.pool.end()]);
    },
  };
}

/**
 * PGlite's own postgresql.conf reserves 160 MB of shared buffers in its WebAssembly memory, which
 * never shrinks; the embedded database is for development and small data, so it gets less (the
 * README, "Performance", has the figures from `npm run bench:memory`).
 */
const PGLITE_MEMORY_SETTINGS = [
  '-c', 'shared_buffers=16MB', '-c', 'wal_buffers=1MB', '-c', 'temp_buffers=2MB', '-c', 'work_mem=4MB', '-c', 'maintenance_work_mem=16MB',
];

/** Whether DATA_DIR already holds an initialised embedded database (else openPglite makes one). */
const pgliteInitialised = (dataDir: string): boolean => existsSync(path.resolve(dataDir, 'pglite', 'PG_VERSION'));

/**
 * How the embedded database came to be: it was there already, it was loaded from the initdb
 * template (src/db/pglite-template.ts), or PGlite ran initdb (no template for this PGlite version).
 */
export type PgliteOrigin = 'existing' | 'template' | 'initdb';

export async function openPglite(dataDir: string): Promise<Database & { client: PGlite; origin: PgliteOrigin }> {
  const dir = path.resolve(dataDir, 'pglite');
  const existing = pgliteInitialised(dataDir);
  const template = existing ? null : initdbTemplate();
  const origin: PgliteOrigin = existing ? 'existing' : template ? 'template' : 'initdb';
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir, {
    startParams: [...PGlite.defaultStartParams, ...PGLITE_MEMORY_SETTINGS],
    ...(template ? { loadDataDir: template } : {}),
  });
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    client,
    origin,
    reader: async () => db,
    status: () => ({ database: 'ok', host: 'embedded' }),
    readStatus: () => null,
    async ping() {
      await client.query('select 1');
    },
    async close() {
      await client.close();
    },
  };
}
