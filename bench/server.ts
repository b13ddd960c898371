// The real server in a child process, as it runs in production: `node src/server.ts`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { devAuthJwk } from '../src/keys.ts';

/** The V8 flags of `npm start` (package.json), so that every bench runs the server as it is deployed. */
export const START_FLAGS: readonly string[] = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }
).scripts.start.split(/\s+/).filter((t) => t.startsWith('--'));

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** `env` is applied last: a value overrides, `undefined` removes the variable (e.g. MALLOC_ARENA_MAX). */
export async function startServer(o: { root: string; databaseUrl: string; dataDir: string; env?: Record<string, string | undefined> }) {
  const port = await freePort();
  const metricsPort = await freePort();
  // The same V8 flags as `npm start`; BENCH_NODE_FLAGS adds more (e.g. --cpu-prof to profile).
  const flags = [...START_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: o.databaseUrl,
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    DATA_DIR: o.dataDir,
    LOG_LEVEL: 'warn',
    // The bench measures the gate, not the per-token rate limit.
    RATE_LIMIT_PER_MINUTE: '1000000000',
    ...o.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  const child = spawn(process.execPath, [...flags, path.join(o.root, 'src/server.ts')], {
    cwd: o.root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 180_000) throw new Error('server did not become ready within 180 s (a loaded machine migrates slowly)');
    await new Promise((r) => setTimeout(r, 200));
  }
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    url,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    /** Once, however often called (a second SIGTERM would make the server exit without grace). */
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (child.exitCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Bearer headers signed by the server's development key (in `dataDir`), as `npm run token` makes. */
export async function benchTokens(dataDir: string): Promise<{ finance: string; opd: string }> {
  const config = loadConfig({ DATA_DIR: dataDir });
  const jwk = await devAuthJwk(dataDir);
  const token = async (roles: string[], opd?: string) =>
    `Bearer ${await mintToken(jwk, { sub: `bench-${roles.join('-')}`, roles, ...(opd ? { opd } : {}) }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM, ttlSeconds: 7200,
    })}`;
  return { finance: await token(['finance']), opd: await token(['opd'], 'DPUPR') };
}
