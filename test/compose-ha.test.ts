// The compose file's `ha` profile, checked as data (Docker cannot run here): a pg_auto_failover
// monitor and two keepers, a one-shot role set-up, two service replicas on the multi-host URLs
// and a load balancer. The role script runs for real against a private cluster through psql.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.ts';
import { parsePgUrl } from '../src/db/hosts.ts';
import { freePort, postgresAvailable, postgresBinDir, startPrivatePostgres, type PrivatePostgres } from './helpers/private-postgres.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

interface Service {
  profiles?: string[];
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string };
  ports?: string[];
  volumes?: string[];
}
const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const env = (s: Service | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(s?.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
const flag = (s: Service | undefined, name: string): string | undefined => {
  const args = s?.command ?? [];
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

describe('docker-compose.yml, profile ha', () => {
  const ha = ['monitor', 'db1', 'db2', 'ha-roles', 'gerbang-1', 'gerbang-2', 'lb'];

  it('puts the whole HA stack in the ha profile, and leaves the default stack as it was', () => {
    for (const name of ha) expect(services[name]?.profiles, name).toEqual(['ha']);
    expect(services.db?.profiles).toBeUndefined();
    expect(services.gerbang?.profiles).toBeUndefined();
    for (const v of ['monitor-data', 'db1-data', 'db2-data', 'gerbang-ha-data']) expect(compose.volumes).toHaveProperty(v);
  });

  it('runs a pg_auto_failover monitor and two keepers of one formation, with replication quorum (synchronous)', () => {
    const monitor = services.monitor;
    expect(monitor?.command?.slice(0, 3)).toEqual(['pg_autoctl', 'create', 'monitor']);
    expect(monitor?.command).toContain('--run');
    const dockerfile = read('docker/pg-auto-failover/Dockerfile');
    expect(dockerfile).toMatch(/^FROM postgres:15/m);
    expect(dockerfile).toMatch(/apt-get install .*postgresql-15-auto-failover/);
    for (const name of ['db1', 'db2']) {
      const keeper = services[name];
      expect(keeper?.image, name).toBe(monitor?.image);
      expect(keeper?.command?.slice(0, 3), name).toEqual(['pg_autoctl', 'create', 'postgres']);
      expect(flag(keeper, '--monitor'), name).toMatch(/^postgres:\/\/autoctl_node@monitor:5432\/pg_auto_failover/);
      expect([flag(keeper, '--name'), flag(keeper, '--hostname')], name).toEqual([name, name]);
      expect(flag(keeper, '--dbname'), name).toBe('gerbang');
      expect(flag(keeper, '--replication-quorum'), name).toBe('true');
      expect(keeper?.command, name).toContain('--run');
      expect(JSON.stringify(keeper?.healthcheck?.test), name).toContain('pg_isready');
    }
    expect(services.db1?.depends_on).toEqual({ monitor: { condition: 'service_healthy' } });
    // The second keeper joins once the first is up, so it becomes the standby.
    expect(services.db2?.depends_on).toEqual({ db1: { condition: 'service_healthy' } });
  });

  it('gives both replicas multi-host URLs that pass the configuration schema, the writes on the read-write host', () => {
    for (const name of ['gerbang-1', 'gerbang-2']) {
      const e = env(services[name]);
      for (const [k, v] of Object.entries(e)) expect(v, `${name} ${k}`).not.toMatch(/\$\{/);
      const config = loadConfig(e);
      const write = parsePgUrl(config.DATABASE_URL as string);
      const migrate = parsePgUrl(config.MIGRATION_DATABASE_URL as string);
      const reads = parsePgUrl(config.DATABASE_READ_URL as string);
      expect(write.hosts.map((h) => h.host)).toEqual(['db1', 'db2']);
      expect(write.targetSessionAttrs).toBe('read-write');
      expect(migrate.targetSessionAttrs).toBe('read-write');
      expect(migrate.user).not.toBe(write.user);
      expect(reads.targetSessionAttrs).toBe('prefer-standby');
      expect(new Set(reads.hosts.map((h) => h.host))).toEqual(new Set(['db1', 'db2']));
      expect(services[name]?.volumes).toEqual(['gerbang-ha-data:/app/data']);
      // Rate limits shared by both replicas.
      expect(new URL(config.REDIS_URL as string).hostname).toBe('redis');
      expect(JSON.stringify(services[name]?.healthcheck?.test)).toMatch(/\/healthz/);
    }
    expect(services['gerbang-1']?.depends_on).toEqual({ 'ha-roles': { condition: 'service_completed_successfully' }, redis: { condition: 'service_healthy' } });
    expect(services['gerbang-2']?.depends_on).toEqual({ 'gerbang-1': { condition: 'service_healthy' } });
    const roles = env(services['ha-roles']);
    const app = parsePgUrl(env(services['gerbang-1']).DATABASE_URL as string);
    expect(roles.GERBANG_APP_PASSWORD).toBe(app.password);
    expect(parsePgUrl(roles.PRIMARY_URL as string).targetSessionAttrs).toBe('read-write');
  });

  it('balances over both replicas, checking /healthz (so their own 503 + Retry-After reach clients during a failover)', () => {
    const lb = services.lb;
    expect(lb?.image).toMatch(/^haproxy:/);
    expect(lb?.volumes).toEqual(['./docker/ha/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro']);
    expect(Object.keys(lb?.depends_on ?? {}).sort()).toEqual(['gerbang-1', 'gerbang-2']);
    const cfg = read('docker/ha/haproxy.cfg');
    expect(cfg).toMatch(/^\s*server gerbang-1 gerbang-1:3000 check/m);
    expect(cfg).toMatch(/^\s*server gerbang-2 gerbang-2:3000 check/m);
    expect(cfg).toMatch(/option httpchk GET \/healthz/);
    // A POST is retried elsewhere only when it never reached a replica.
    expect(cfg).toMatch(/^\s*retry-on conn-failure\s*$/m);
    expect(lb?.ports).toEqual(['3100:3000']);
  });
});

describe.skipIf(!postgresAvailable())('docker/ha/roles.sh', () => {
  let pg: PrivatePostgres;
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    await pg.query('create database gerbang');
  }, 120_000);
  afterAll(async () => {
    await pg?.destroy();
  });

  it('creates the roles on the writable host of a multi-host URL, and runs again without failing', async () => {
    const dead = await freePort();
    const environment = {
      // psql from the same PostgreSQL installation as initdb, whatever PATH says.
      PATH: `${postgresBinDir()}:${process.env.PATH ?? ''}`,
      PRIMARY_URL: `postgresql://postgres@127.0.0.1:${dead},127.0.0.1:${pg.port}/gerbang?target_session_attrs=read-write`,
      GERBANG_OWNER_PASSWORD: 'owner-pw', GERBANG_APP_PASSWORD: 'app-pw',
    };
    for (let i = 0; i < 2; i++) await promisify(execFile)('sh', [`${root}docker/ha/roles.sh`], { env: environment, timeout: 60_000 });
    const roles = await pg.query<{ rolname: string; rolcanlogin: boolean }>(`select rolname, rolcanlogin from pg_roles where rolname like 'gerbang%' order by rolname`);
    expect(roles).toEqual([{ rolname: 'gerbang', rolcanlogin: true }, { rolname: 'gerbang_app', rolcanlogin: false }, { rolname: 'gerbang_owner', rolcanlogin: true }]);
    const [member] = await pg.query<{ ok: boolean }>(`select pg_has_role('gerbang', 'gerbang_app', 'member') as ok`);
    expect(member?.ok).toBe(true);
    const [owner] = await pg.query<{ owner: string }>(`select pg_get_userbyid(datdba) as owner from pg_database where datname = 'gerbang'`);
    expect(owner?.owner).toBe('gerbang_owner');
  });
});
