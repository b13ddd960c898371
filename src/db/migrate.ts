import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { clientClassFor, HostSelector, NoSuitableHostError } from './connector.ts';
import { parsePgUrl, singleHostUrl, type Endpoint } from './hosts.ts';
import { installJobQueuePglite, installJobQueuePostgres } from './job-queue.ts';

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

// drizzle's migrator takes no lock; instances starting together serialise on this key instead.
const MIGRATION_LOCK_KEY = 7_461_326_001;

export interface MigrateOptions {
  /**
   * While hosts answer but none is writable (a failover in progress), wait this long for one before
   * failing, so an instance started mid-failover comes up once the standby is promoted.
   */
  waitForWritableMs?: number;
  onWait?: (err: NoSuitableHostError) => void;
}

/**
 * Applies pending migrations as the schema owner, holding a session advisory lock while it does.
 * With several hosts the connection goes to the writable one (as DATABASE_URL's do), so the lock
 * and the migrations are taken on the primary, never on a standby.
 */
export async function migratePostgres(url: string, options: MigrateOptions = {}): Promise<void> {
  const deadline = performance.now() + (options.waitForWritableMs ?? 0);
  for (;;) {
    try {
      return await migrateOnce(url);
    } catch (err) {
      if (!(err instanceof NoSuitableHostError) || performance.now() >= deadline) throw err;
      options.onWait?.(err);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

async function migrateOnce(url: string): Promise<void> {
  const target = parsePgUrl(url);
  const Client = clientClassFor(new HostSelector(target));
  const client = new Client({ connectionString: singleHostUrl(target, target.hosts[0] as Endpoint), application_name: 'gerbang-migrate' });
  client.on('error', () => {}); // surfaced through the failing query instead
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migratePg(drizzlePg({ client }), { migrationsFolder });
      await installJobQueuePostgres({ executeSql: (text, values) => client.query(text, values) });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

/** PGlite is a single connection in this process, so no lock is needed. */
export async function migratePgliteDb(client: PGlite): Promise<void> {
  await migratePglite(drizzlePglite({ client }), { migrationsFolder });
  await installJobQueuePglite(client);
}
