// The service under drill as a real child process (`node src/server.ts`), so a crash shows up as
// the process exiting, and SIGTERM goes through the real shutdown path. Tokens are signed with the
// development key the service itself reads from its DATA_DIR.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintToken } from '../../src/auth-tokens.ts';
import type { Role } from '../../src/http/auth.ts';
import { devAuthJwk } from '../../src/keys.ts';
import { freePort } from '../helpers/private-postgres.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

export interface ServiceProcess {
  readonly baseUrl: string;
  readonly metricsUrl: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Set once the process has exited. */
  exit(): Exit | null;
  /** Resolves when the process exits. */
  exited: Promise<Exit>;
  /** Log lines (pino JSON) the service printed, stdout and stderr. */
  logs: string[];
  token(role: Role, sub: string, opd?: string): Promise<string>;
  /** Sends a signal; returns at once. */
  signal(sig: NodeJS.Signals): void;
  /** SIGKILL if still running, and the DATA_DIR removed. */
  destroy(): Promise<void>;
}

export interface ServiceOptions {
  databaseUrl: string;
  env?: Record<string, string>;
  /** A DATA_DIR shared with other instances (same development keys), kept by destroy(). */
  dataDir?: string;
  /** How long start-up may take (default 90 s; a machine busy with other test runs may need more). */
  readyTimeoutMs?: number;
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'gerbang-drill-data-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  // Created before the service starts, so the service and these tokens share one key.
  const jwk = await devAuthJwk(dataDir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    DATABASE_URL: options.databaseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // Rate limiting is not what these drills measure.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...options.env,
  };
  const child = spawn(process.execPath, ['src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(line);
    if (logs.length > 20_000) logs.splice(0, logs.length - 20_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exitInfo: Exit | null = null;
  // Should the test process die without destroy(), do not leave the service running.
  const onExit = () => void child.kill('SIGKILL');
  process.on('exit', onExit);
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, sig) => {
      exitInfo = { code, signal: sig, at: performance.now() };
      process.off('exit', onExit);
      resolve(exitInfo);
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  const service: ServiceProcess = {
    baseUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    pid: child.pid ?? -1,
    child,
    exit: () => exitInfo,
    exited,
    logs,
    token: (role, sub, opd) =>
      mintToken(jwk, { sub, roles: [role], ...(opd ? { opd } : {}) }, { issuer: 'gerbang-dev', audience: 'gerbang', rolesClaim: 'roles', opdClaim: 'opd' }),
    signal: (sig) => void child.kill(sig),
    async destroy() {
      if (!exitInfo) {
        child.kill('SIGKILL');
        await exited;
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };

  // Ready once /readyz answers 200; a start-up failure ends the wait with the service's own words.
  // Generous: on a 2-core machine shared with other test runs, importing and migrating alone has
  // taken 40 s (load average 30).
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitInfo) throw new Error(`the service exited during start-up (${JSON.stringify(exitInfo)}):\n${logs.slice(-20).join('\n')}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await service.destroy();
      throw new Error(`the service was not ready within ${readyTimeoutMs / 1000} s:\n${logs.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return service;
}
