import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.ts';

// Docker cannot run here, so the compose file is checked as data: the service's environment must
// pass the same configuration schema the service starts with.
const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => readFileSync(`${root}${file}`, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  ports?: string[];
  volumes?: string[];
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };

/** Compose allows a map or a list of KEY=value; both become plain strings. */
function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((line) => [line.split('=')[0] ?? '', line.slice(line.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

describe('docker-compose.yml', () => {
  const db = compose.services.db;
  const gerbang = compose.services.gerbang;

  it('has the database and the service', () => {
    expect(db?.image).toMatch(/^postgres:16/);
    expect(gerbang?.build).toBeDefined();
  });

  it('gives the replicas a Redis for shared rate limits, and keeps /metrics off public interfaces', () => {
    expect(compose.services.redis?.image).toMatch(/^redis:7/);
    const config = loadConfig(environmentOf(gerbang as Service));
    expect(new URL(config.REDIS_URL as string).hostname).toBe('redis');
    // Published on the host's loopback only: /metrics has no auth.
    expect(gerbang?.ports).toContain(`127.0.0.1:${config.METRICS_PORT}:${config.METRICS_PORT}`);
  });

  it("gives the service an environment that passes the configuration schema", () => {
    const env = environmentOf(gerbang as Service);
    // No ${...} interpolation: what is written is what the service gets.
    for (const [name, value] of Object.entries(env)) expect(value, name).not.toMatch(/\$\{/);
    const config = loadConfig(env);
    expect(config.DATABASE_URL).toBeDefined();
    expect(config.PORT).toBe(3000);
    expect(config.METRICS_PORT).toBe(9464);
    expect(gerbang?.ports).toEqual(expect.arrayContaining([expect.stringMatching(/:3000$/), expect.stringMatching(/:9464$/)]));
  });

  it('connects the service as a role other than the owner that runs the migrations', () => {
    const config = loadConfig(environmentOf(gerbang as Service));
    const app = new URL(config.DATABASE_URL as string);
    const owner = new URL(config.MIGRATION_DATABASE_URL as string);
    expect(app.hostname).toBe('db');
    expect(owner.hostname).toBe('db');
    expect(app.pathname).toBe(owner.pathname);
    expect(app.username).not.toBe(owner.username);
    expect(app.username).not.toBe('postgres');
  });

  it('creates both login roles in the init script, the service role as a member of gerbang_app', () => {
    const config = loadConfig(environmentOf(gerbang as Service));
    const app = new URL(config.DATABASE_URL as string);
    const owner = new URL(config.MIGRATION_DATABASE_URL as string);
    expect(db?.volumes).toEqual(expect.arrayContaining(['./docker/postgres-init:/docker-entrypoint-initdb.d:ro']));
    const script = read('docker/postgres-init/10-gerbang-roles.sh');
    expect(script).toMatch(new RegExp(`CREATE ROLE ${app.username} LOGIN PASSWORD :'app_password' IN ROLE gerbang_app;`));
    expect(script).toMatch(new RegExp(`CREATE ROLE ${owner.username} LOGIN`));
    expect(script).toMatch(/OWNER TO gerbang_owner/);
    // The passwords in the URLs are the ones the init script is given.
    const dbEnv = environmentOf(db as Service);
    expect(decodeURIComponent(app.password)).toBe(dbEnv.GERBANG_APP_PASSWORD);
    expect(decodeURIComponent(owner.password)).toBe(dbEnv.GERBANG_OWNER_PASSWORD);
    expect(app.pathname).toBe(`/${dbEnv.POSTGRES_DB}`);
  });

  it('has healthchecks, and the service waits for a healthy database', () => {
    expect(JSON.stringify(db?.healthcheck?.test)).toContain('pg_isready');
    expect(JSON.stringify(gerbang?.healthcheck?.test)).toMatch(/\/readyz/);
    expect(gerbang?.depends_on).toEqual({ db: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(JSON.stringify(compose.services.redis?.healthcheck?.test)).toContain('ping');
  });

  it('would need the key material to run with NODE_ENV=production', () => {
    const env = { ...environmentOf(gerbang as Service), NODE_ENV: 'production' };
    expect(() => loadConfig(env)).toThrow(/AUTH_JWKS_URL[\s\S]*AUDIT_SIGNING_KEY_FILE[\s\S]*PSEUDONYM_KEY/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds on Node 24 in stages, installs production dependencies only and runs as node', () => {
    expect(dockerfile.match(/^FROM node:24[-\w.]* AS \w+/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/NODE_ENV=production/);
    // node itself is PID 1, with the same V8 flags as `npm start`.
    const start = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.start ?? '';
    const flags = /^exec node ((?:--[a-z-]+(?:=\d+)? )*)src\/server\.ts$/.exec(start)?.[1]?.trim().split(' ') ?? [];
    expect(flags.length).toBeGreaterThan(0);
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(JSON.parse(cmd ?? '[]')).toEqual(['node', ...flags, 'src/server.ts']);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
  });

  it('copies what the service reads at run time, and the ignore file keeps the rest out', () => {
    for (const path of ['src', 'migrations', 'package.json']) {
      expect(dockerfile, path).toMatch(new RegExp(`^COPY .*\\b${path}\\b`, 'm'));
      expect(existsSync(`${root}${path}`), path).toBe(true);
    }
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const path of ['node_modules', 'data', '.git', 'test']) expect(ignored, path).toContain(path);
  });
});
