// The access log of personal-data reads (contract 2.8): kept apart from the hash chain so that a
// read costs no lock and no transaction. Entries wait in memory and are written in batches, at
// the latest FLUSH_MS after the read, and at shutdown.
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { insertAccessEntries, type AccessEntry } from './access-repository.ts';

const FLUSH_MS = 1_000;
const MAX_BATCH = 1_000;
/** While the database is away entries are kept for a retry, up to this many (then the oldest go, logged). */
const MAX_PENDING = 100_000;

export interface AccessLog {
  /** Notes that the caller was shown personal data of `count` people (no NIK or name is kept). */
  record(meta: RequestMeta, count: number): void;
  /** Writes every entry noted so far. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createAccessLog(database: Database, logger?: Pick<Logger, 'warn'>, options: { flushMs?: number } = {}): AccessLog {
  const flushMs = options.flushMs ?? FLUSH_MS;
  let pending: AccessEntry[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  async function writeAll(): Promise<void> {
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_BATCH);
      try {
        await insertAccessEntries(database.db, batch);
        pending = pending.slice(batch.length);
      } catch (err) {
        if (pending.length > MAX_PENDING) {
          const dropped = pending.length - MAX_PENDING;
          pending = pending.slice(dropped);
          logger?.warn({ dropped }, 'access log: entries dropped while the database is unavailable');
        }
        logger?.warn({ err: { message: err instanceof Error ? err.message : String(err) }, pending: pending.length }, 'access log: write failed, will retry');
        schedule();
        return;
      }
    }
  }

  const flush = (): Promise<void> => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    writing = writing.then(writeAll);
    return writing;
  };

  function schedule(): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, flushMs);
    timer.unref();
  }

  return {
    record(meta, count) {
      pending.push({ at: new Date(), actor: meta.actor, route: meta.route ?? 'unknown', count, requestId: meta.requestId });
      if (pending.length >= MAX_BATCH) void flush();
      else schedule();
    },
    flush,
    close: flush,
  };
}
