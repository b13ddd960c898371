// A private primary and its streaming standby (pg_basebackup), optionally synchronous, for the
// failover tests and drills. Both on free ports of 127.0.0.1, both destroyed by destroy().
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.ts';

export interface HaPostgres {
  primary: PrivatePostgres;
  standby: PrivatePostgres;
  /** `postgresql://postgres@127.0.0.1:<primary>,127.0.0.1:<standby>/<db>?target_session_attrs=...` */
  url(database: string, attrs?: string, order?: 'primary-first' | 'standby-first'): string;
  /** Waits until the standby has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
}

export interface HaOptions {
  /** Databases created on the primary before the standby is copied from it. */
  databases?: string[];
  /** synchronous_standby_names on the primary names the standby (default true). */
  synchronous?: boolean;
  settings?: Record<string, string | number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startHaPostgres(options: HaOptions = {}): Promise<HaPostgres> {
  const primary = await startPrivatePostgres({ settings: { wal_keep_size: "'256MB'", ...options.settings } });
  let standby: PrivatePostgres | undefined;
  try {
    for (const db of options.databases ?? []) await primary.query(`create database ${db}`);
    standby = await startPrivatePostgres({ standbyOf: primary, name: 'standby1', settings: options.settings });
    if (options.synchronous ?? true) {
      // Set only now: with a synchronous standby named but absent, every commit would wait.
      await primary.query(`alter system set synchronous_standby_names = 'standby1'`);
      await primary.query('select pg_reload_conf()');
      const deadline = Date.now() + 30_000;
      for (;;) {
        const [row] = await primary.query<{ sync_state: string }>(`select sync_state from pg_stat_replication where application_name = 'standby1'`);
        if (row?.sync_state === 'sync') break;
        if (Date.now() > deadline) throw new Error(`the standby did not become synchronous (${row?.sync_state ?? 'not connected'})\n${standby.logTail()}`);
        await sleep(100);
      }
    }
  } catch (err) {
    await standby?.destroy();
    await primary.destroy();
    throw err;
  }
  const s = standby;
  return {
    primary,
    standby: s,
    url(database, attrs = 'read-write', order = 'primary-first') {
      const hosts = order === 'primary-first' ? [primary.port, s.port] : [s.port, primary.port];
      return `postgresql://postgres@${hosts.map((p) => `127.0.0.1:${p}`).join(',')}/${database}?target_session_attrs=${attrs}`;
    },
    async caughtUp(timeoutMs = 30_000) {
      const [{ lsn } = { lsn: '' }] = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await s.query<{ ok: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok', [lsn]);
        if (row?.ok) return;
        if (Date.now() > deadline) throw new Error('the standby did not catch up');
        await sleep(50);
      }
    },
    async destroy() {
      await s.destroy();
      await primary.destroy();
    },
  };
}
