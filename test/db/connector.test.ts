// The multi-host connector against real servers: a primary, its synchronous standby (pg_basebackup)
// and a port where nothing listens. Ends with a failover: the primary crashes, the standby is
// promoted, and the same pool writes to it without being reopened.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/client.ts';
import { migratePostgres } from '../../src/db/migrate.ts';
import { freePort, postgresAvailable } from '../helpers/private-postgres.ts';
import { startHaPostgres, type HaPostgres } from '../helpers/ha-postgres.ts';

const logger = pino({ level: 'silent' });
const portOf = async (db: Awaited<ReturnType<typeof openPostgres>>) => Number((await db.pool.query<{ port: number }>('select inet_server_port() as port')).rows[0]?.port);

describe.skipIf(!postgresAvailable())('multi-host DATABASE_URL (libpq target_session_attrs)', () => {
  let ha: HaPostgres;
  let dead: number;
  beforeAll(async () => {
    ha = await startHaPostgres({ databases: ['gerbang'] });
    dead = await freePort();
  }, 120_000);
  afterAll(async () => {
    await ha?.destroy();
  });

  const hosts = (...ports: number[]) => ports.map((p) => `127.0.0.1:${p}`).join(',');

  it('connects to the writable host wherever it is listed, skipping a host that is down and the standby', async () => {
    const db = await openPostgres({ url: `postgresql://postgres@${hosts(dead, ha.standby.port, ha.primary.port)}/gerbang?target_session_attrs=read-write`, logger, max: 2 });
    try {
      expect(await portOf(db)).toBe(ha.primary.port);
      expect(db.status()).toEqual({ database: 'ok', host: `127.0.0.1:${ha.primary.port}` });
      await db.pool.query('create table written_here (x int)'); // a standby would refuse: 25006
    } finally {
      await db.close();
    }
  });

  it('follows the other attributes: standby and read-only choose the standby, any takes the first that answers', async () => {
    for (const [attrs, expected] of [['standby', ha.standby.port], ['read-only', ha.standby.port], ['any', ha.standby.port], ['primary', ha.primary.port]] as const) {
      const db = await openPostgres({ url: `postgresql://postgres@${hosts(dead, ha.standby.port, ha.primary.port)}/gerbang?target_session_attrs=${attrs}`, logger, max: 1 });
      try {
        expect(await portOf(db), attrs).toBe(expected);
      } finally {
        await db.close();
      }
    }
  });

  it('runs the migrations, and takes their advisory lock, on the writable host even when the standby is listed first', async () => {
    await migratePostgres(ha.url('gerbang', 'read-write', 'standby-first'));
    const [row] = await ha.primary.query<{ n: string }>('select count(*)::text as n from drizzle.__drizzle_migrations', [], 'gerbang');
    expect(Number(row?.n)).toBeGreaterThan(0);
    // Applied once: a second start finds nothing to do and leaves the count as it was.
    await migratePostgres(ha.url('gerbang', 'read-write', 'standby-first'));
    const [again] = await ha.primary.query<{ n: string }>('select count(*)::text as n from drizzle.__drizzle_migrations', [], 'gerbang');
    expect(again?.n).toBe(row?.n);
  });

  it('leaves a primary made read-only under live connections (25006) and finds it again once writable', async () => {
    const db = await openPostgres({ url: ha.url('gerbang'), logger, max: 2 });
    try {
      await db.pool.query('insert into written_here values (0)');
      await ha.primary.query('alter system set default_transaction_read_only = on');
      await ha.primary.query('select pg_reload_conf()');
      await new Promise((r) => setTimeout(r, 500)); // the backends take the reload at their next command
      // Each open connection refuses once (25006) and is closed; then no host is writable, and the
      // next connection says so (08001) instead of writing anywhere.
      const codes: Array<string | undefined> = [];
      for (let i = 0; i < 4 && codes.at(-1) !== '08001'; i++) {
        codes.push(await db.pool.query('insert into written_here values (1)').then(() => 'written', (e: { code?: string }) => e.code));
      }
      expect(codes.at(-1)).toBe('08001');
      expect(new Set(codes.slice(0, -1))).toEqual(new Set(['25006']));
      expect(db.status()).toEqual({ database: 'read-only', host: `127.0.0.1:${ha.primary.port}` });
    } finally {
      await ha.primary.query('alter system reset default_transaction_read_only');
      await ha.primary.query('select pg_reload_conf()');
    }
    try {
      await new Promise((r) => setTimeout(r, 500));
      await db.pool.query('insert into written_here values (2)');
      expect(await portOf(db)).toBe(ha.primary.port);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('after the primary crashes: refuses writes as unavailable while only the standby answers, then writes to the promoted standby', async () => {
    const db = await openPostgres({ url: ha.url('gerbang'), logger, max: 3 });
    try {
      expect(await portOf(db)).toBe(ha.primary.port);
      await ha.primary.stop('immediate');
      // Connections to the old primary fail; new ones find only a host in recovery.
      const failures: string[] = [];
      for (let i = 0; i < 3; i++) {
        const err = await db.pool.query('insert into written_here values (1)').then(() => null, (e: unknown) => e as { code?: string; message: string });
        expect(err, 'a write succeeded with no writable host').not.toBeNull();
        failures.push(err?.code ?? err?.message ?? '');
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(failures).toContain('08001');
      expect(db.status()).toEqual({ database: 'read-only', host: `127.0.0.1:${ha.standby.port}` });

      // An instance starting now waits for a writable host instead of failing (server.ts: 60 s).
      const waits: string[] = [];
      const migrating = migratePostgres(ha.url('gerbang'), { waitForWritableMs: 30_000, onWait: (e) => waits.push(e.code) });
      await new Promise((r) => setTimeout(r, 1_500));
      const promotedAt = performance.now();
      await ha.standby.promote();
      let port: number | null = null;
      while (port === null && performance.now() - promotedAt < 10_000) {
        port = await db.pool.query('insert into written_here values (2)').then(() => portOf(db), () => null);
        if (port === null) await new Promise((r) => setTimeout(r, 100));
      }
      expect(port).toBe(ha.standby.port);
      expect(performance.now() - promotedAt).toBeLessThan(5_000);
      expect(db.status()).toEqual({ database: 'ok', host: `127.0.0.1:${ha.standby.port}` });
      await migrating;
      expect(waits.length).toBeGreaterThan(0);
      expect(new Set(waits)).toEqual(new Set(['08001']));
    } finally {
      await db.close();
    }
  }, 60_000);
});
