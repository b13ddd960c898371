import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const pseudonymKey = randomBytes(32).toString('base64');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

const named = (problems: string[]) => problems.map((p) => p.split(':')[0]);

/** Starts the real entry point with only this environment (nothing inherited but PATH). */
function startServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/server.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not stop on a bad configuration; stderr: ${stderr}`));
      // Loading every module before the configuration is read takes over 15 s on a loaded 2-core machine.
    }, 50_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('configuration', () => {
  it('has the contract defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      METRICS_PORT: 9464,
      DATA_DIR: './data',
      AUTH_ISSUER: 'gerbang-dev',
      AUTH_AUDIENCE: 'gerbang',
      AUTH_ROLES_CLAIM: 'roles',
      AUTH_OPD_CLAIM: 'opd',
      BPJS_PROVIDER: 'snapshot',
      BPJS_TIMEOUT_MS: 2000,
      BPJS_DEADLINE_MS: 6000,
      BPJS_BREAKER_RESET_MS: 30000,
      MEMBERSHIP_MAX_AGE_HOURS: 24,
      LOCAL_TIMEZONE: 'Asia/Jakarta',
      RATE_LIMIT_PER_MINUTE: 1200,
      LOG_LEVEL: 'info',
    });
    // Unset means: embedded PGlite, development keys, migrations as DATABASE_URL.
    for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'AUDIT_SIGNING_KEY_FILE', 'PSEUDONYM_KEY', 'BPJS_API_URL', 'BPJS_API_KEY'] as const) {
      expect(c[name], name).toBeUndefined();
    }
  });

  it('treats an empty variable as unset (FOO= in a compose or .env file)', () => {
    const c = loadConfig({ PORT: '', DATABASE_URL: '', LOG_LEVEL: '' });
    expect(c).toMatchObject({ PORT: 3000, LOG_LEVEL: 'info' });
    expect(c.DATABASE_URL).toBeUndefined();
  });

  it('accepts every contract variable with good values', () => {
    const c = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      HOST: '127.0.0.1',
      METRICS_PORT: '9100',
      DATABASE_URL: 'postgresql://gerbang:pw@db.internal:5432/gerbang',
      MIGRATION_DATABASE_URL: 'postgres://gerbang_owner:pw@db.internal:5432/gerbang',
      DATA_DIR: '/var/lib/gerbang',
      AUTH_JWKS_URL: 'https://sso.palembang.go.id/realms/pemkot/protocol/openid-connect/certs',
      AUTH_ISSUER: 'https://sso.palembang.go.id/realms/pemkot',
      AUTH_AUDIENCE: 'gerbang-api',
      AUTH_ROLES_CLAIM: 'realm_access.roles',
      AUTH_OPD_CLAIM: 'attributes.opd',
      AUDIT_SIGNING_KEY_FILE: '/run/secrets/audit-key.json',
      PSEUDONYM_KEY: pseudonymKey,
      SESSION_SECRET: pseudonymKey,
      DASHBOARD_CLIENT_ID: 'gerbang-dashboard',
      DASHBOARD_CLIENT_SECRET: 'client-secret',
      PUBLIC_URL: 'https://gerbang.palembang.go.id',
      LOG_SIGNING_KEY_FILE: '/run/secrets/log-key.json',
      LOG_ORIGIN: 'gerbang.palembang.go.id/audit',
      WEBHOOK_SIGNING_KEY_FILE: '/run/secrets/webhook-key.json',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      BPJS_PROVIDER: 'http',
      BPJS_API_URL: 'https://bpjs.example.go.id/api',
      BPJS_API_KEY: 'secret-key',
      BPJS_TIMEOUT_MS: '1500',
      BPJS_DEADLINE_MS: '5000',
      BPJS_BREAKER_RESET_MS: '10000',
      MEMBERSHIP_MAX_AGE_HOURS: '12',
      LOCAL_TIMEZONE: 'Asia/Makassar',
      RATE_LIMIT_PER_MINUTE: '600',
      LOG_LEVEL: 'warn',
    });
    expect(c).toMatchObject({
      NODE_ENV: 'production',
      PORT: 8080,
      HOST: '127.0.0.1',
      METRICS_PORT: 9100,
      DATABASE_URL: 'postgresql://gerbang:pw@db.internal:5432/gerbang',
      MIGRATION_DATABASE_URL: 'postgres://gerbang_owner:pw@db.internal:5432/gerbang',
      DATA_DIR: '/var/lib/gerbang',
      AUTH_ROLES_CLAIM: 'realm_access.roles',
      AUTH_OPD_CLAIM: 'attributes.opd',
      PSEUDONYM_KEY: pseudonymKey,
      DASHBOARD_CLIENT_ID: 'gerbang-dashboard',
      PUBLIC_URL: 'https://gerbang.palembang.go.id',
      WEBHOOK_SIGNING_KEY_FILE: '/run/secrets/webhook-key.json',
      WEBHOOK_ALLOW_PRIVATE: true,
      BPJS_PROVIDER: 'http',
      BPJS_TIMEOUT_MS: 1500,
      BPJS_DEADLINE_MS: 5000,
      BPJS_BREAKER_RESET_MS: 10000,
      MEMBERSHIP_MAX_AGE_HOURS: 12,
      LOCAL_TIMEZONE: 'Asia/Makassar',
      RATE_LIMIT_PER_MINUTE: 600,
      LOG_LEVEL: 'warn',
    });
    // The other JWKS source works as well.
    expect(loadConfig({ AUTH_JWKS_FILE: '/run/secrets/jwks.json' }).AUTH_JWKS_FILE).toBe('/run/secrets/jwks.json');
  });

  it('refuses bad values with one message naming each bad variable', () => {
    const bad = {
      PORT: 'abc',
      METRICS_PORT: '70000',
      DATABASE_URL: 'mysql://root@localhost/gerbang',
      AUTH_JWKS_URL: 'ftp://sso.example/certs',
      AUTH_ROLES_CLAIM: 'realm_access..roles',
      PSEUDONYM_KEY: 'c2hvcnQ=',
      BPJS_PROVIDER: 'soap',
      BPJS_TIMEOUT_MS: '-5',
      MEMBERSHIP_MAX_AGE_HOURS: '0',
      LOCAL_TIMEZONE: 'Mars/Olympus_Mons',
      RATE_LIMIT_PER_MINUTE: '1.5',
      LOG_LEVEL: 'loud',
    };
    let error: unknown;
    try {
      loadConfig(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of Object.keys(bad)) expect(message, name).toContain(`${name}:`);
    expect(new Set(named((error as ConfigError).problems))).toEqual(new Set(Object.keys(bad)));
  });

  it('refuses to start in production without a database, a JWKS, the audit key, the pseudonym key and the session secret', () => {
    expect(new Set(named(problemsOf({ NODE_ENV: 'production' })))).toEqual(
      new Set(['DATABASE_URL', 'AUTH_JWKS_URL', 'AUDIT_SIGNING_KEY_FILE', 'PSEUDONYM_KEY', 'SESSION_SECRET', 'LOG_SIGNING_KEY_FILE', 'WEBHOOK_SIGNING_KEY_FILE']),
    );
    // Each one alone is still missing the others.
    const complete = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://gerbang@db/gerbang',
      AUTH_JWKS_FILE: '/run/secrets/jwks.json',
      AUDIT_SIGNING_KEY_FILE: '/run/secrets/audit-key.json',
      PSEUDONYM_KEY: pseudonymKey,
      SESSION_SECRET: pseudonymKey,
      LOG_SIGNING_KEY_FILE: '/run/secrets/log-key.json',
      WEBHOOK_SIGNING_KEY_FILE: '/run/secrets/webhook-key.json',
    };
    expect(loadConfig(complete).NODE_ENV).toBe('production');
    for (const name of ['DATABASE_URL', 'AUDIT_SIGNING_KEY_FILE', 'PSEUDONYM_KEY', 'SESSION_SECRET', 'LOG_SIGNING_KEY_FILE', 'WEBHOOK_SIGNING_KEY_FILE'] as const) {
      const { [name]: _dropped, ...rest } = complete;
      expect(named(problemsOf(rest)), name).toEqual([name]);
    }
    const { AUTH_JWKS_FILE: _jwks, ...noJwks } = complete;
    expect(problemsOf(noJwks).join('\n')).toMatch(/AUTH_JWKS_URL.*AUTH_JWKS_FILE/);
  });

  it('names the missing production variables together with the bad ones', () => {
    const problems = named(problemsOf({ NODE_ENV: 'production', PORT: 'x', LOG_LEVEL: 'loud' }));
    expect(new Set(problems)).toEqual(new Set(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'AUTH_JWKS_URL', 'AUDIT_SIGNING_KEY_FILE', 'PSEUDONYM_KEY', 'SESSION_SECRET', 'LOG_SIGNING_KEY_FILE', 'WEBHOOK_SIGNING_KEY_FILE']));
  });

  it('checks the combinations: both JWKS sources, and the http provider without its URL and key', () => {
    expect(named(problemsOf({ AUTH_JWKS_URL: 'https://sso.example/certs', AUTH_JWKS_FILE: '/jwks.json' }))).toEqual(['AUTH_JWKS_FILE']);
    expect(new Set(named(problemsOf({ BPJS_PROVIDER: 'http' })))).toEqual(new Set(['BPJS_API_URL', 'BPJS_API_KEY']));
    // The dashboard's OIDC client discovers its endpoints from the issuer, which must be a URL then.
    expect(named(problemsOf({ DASHBOARD_CLIENT_ID: 'gerbang-dashboard' }))).toEqual(['AUTH_ISSUER']);
    expect(named(problemsOf({ SESSION_SECRET: 'c2hvcnQ=' }))).toEqual(['SESSION_SECRET']);
  });

  it('stops `node src/server.ts` with a non-zero exit and a message naming each bad variable', async () => {
    const { code, stderr } = await startServer({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x@y/z' });
    expect(code).not.toBe(0);
    expect(stderr).toContain('Invalid configuration');
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(stderr, name).toContain(name);
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  }, 60_000);

  it('stops `node src/server.ts` in production without what production needs', async () => {
    const { code, stderr } = await startServer({ NODE_ENV: 'production' });
    expect(code).not.toBe(0);
    for (const name of ['DATABASE_URL', 'AUTH_JWKS_URL', 'AUDIT_SIGNING_KEY_FILE', 'PSEUDONYM_KEY', 'SESSION_SECRET', 'LOG_SIGNING_KEY_FILE', 'WEBHOOK_SIGNING_KEY_FILE']) expect(stderr, name).toContain(name);
  }, 60_000);
});
