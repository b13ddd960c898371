// Chooses, per request, where a read that may lag goes: the standby of DATABASE_READ_URL when it has
// replayed everything the primary had written when the request asked (so a client never misses
// what it already saw, nor what its own earlier request wrote), else the primary. A standby that is
// down, lagging, or not a copy of this primary at all (another cluster) is never read from.
import type pg from 'pg';
import type { Logger } from 'pino';

export interface ReaderOptions<D> {
  primary: pg.Pool;
  replica: pg.Pool;
  primaryDb: D;
  replicaDb: D;
  logger: Logger;
  /** How long a read waits for the standby to catch up before it goes to the primary. */
  catchUpMs?: number;
  /** After the standby failed, reads go to the primary for this long before it is tried again. */
  backoffMs?: number;
  /** Told where each read went (a metric). */
  onPick?: (source: 'replica' | 'primary') => void;
}

export interface Reader<D> {
  /** The replica's handle when it is fresh enough, else the primary's. */
  pick(): Promise<D>;
  /** How many picks went where, for tests and metrics. */
  readonly counts: { replica: number; primary: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createReader<D>(o: ReaderOptions<D>): Reader<D> {
  const catchUpMs = o.catchUpMs ?? 250;
  const backoffMs = o.backoffMs ?? 5_000;
  const counts = { replica: 0, primary: 0 };
  let skipUntil = 0;
  // Checked once per process (and again after a failure): LSNs of two clusters cannot be compared.
  let sameCluster: boolean | null = null;

  const primaryDb = (): D => {
    counts.primary++;
    o.onPick?.('primary');
    return o.primaryDb;
  };

  async function fresh(primary: { lsn: string; id: string }): Promise<boolean> {
    const deadline = performance.now() + catchUpMs;
    for (;;) {
      const { rows: r } = await o.replica.query<{ recovery: boolean; caught_up: boolean | null; id: string }>(
        `select pg_is_in_recovery() as recovery, pg_last_wal_replay_lsn() >= $1::pg_lsn as caught_up,
           (select system_identifier::text from pg_control_system()) as id`,
        [primary.lsn],
      );
      const replica = r[0];
      if (!replica) return false;
      if (sameCluster === null) {
        sameCluster = replica.id === primary.id;
        if (!sameCluster) o.logger.error('DATABASE_READ_URL names another cluster than DATABASE_URL: every read goes to the primary');
      }
      // A standby promoted meanwhile is no longer a copy that follows the primary.
      if (!sameCluster || !replica.recovery) return false;
      if (replica.caught_up) return true;
      if (performance.now() >= deadline) return false;
      await sleep(10);
    }
  }

  return {
    counts,
    async pick() {
      if (performance.now() < skipUntil) return primaryDb();
      // Everything committed on the primary before this read started is at or below this LSN. Its
      // failure is the primary's: the caller answers 503 as for any query.
      const { rows } = await o.primary.query<{ lsn: string; id: string }>(
        `select pg_current_wal_lsn()::text as lsn, (select system_identifier::text from pg_control_system()) as id`,
      );
      if (!rows[0]) return primaryDb();
      let ok: boolean;
      try {
        ok = await fresh(rows[0]);
      } catch (err) {
        // The primary's own failure reaches the caller through its own query; the standby's does not.
        skipUntil = performance.now() + backoffMs;
        o.logger.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'read replica unavailable: reading from the primary');
        sameCluster = null;
        return primaryDb();
      }
      if (!ok) return primaryDb();
      counts.replica++;
      o.onPick?.('replica');
      return o.replicaDb;
    },
  };
}
