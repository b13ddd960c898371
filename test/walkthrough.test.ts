// The README's walk-through, run as a newcomer runs it: `npm start` on a fresh data directory
// (embedded PGlite, development keys), then `bash scripts/walkthrough.sh` twice against it. Each
// run must finish (the script stops at the first failed request) and show what the README says.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUTPUTS = ['checkpoint.json', 'export.ndjson', 'jwks.json'];

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out })));
}

describe('the README walk-through against npm start on a fresh ./data', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gerbang-walkthrough-'));
  let server: ChildProcess;
  let api = '';
  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, API: api };
    for (const key of ['DATABASE_URL', 'NODE_ENV', 'AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'BPJS_PROVIDER', 'POLICY_VERSION']) delete e[key];
    return e;
  };

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    server = spawn('npm', ['start'], { cwd: root, env: { ...env(), PORT: String(port), HOST: '127.0.0.1', METRICS_PORT: '0', LOG_LEVEL: 'warn' }, stdio: 'ignore' });
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        if ((await fetch(`${api}/readyz`)).ok) break;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error('npm start did not become ready in 90 s');
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 120_000);

  afterAll(async () => {
    if (server?.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    rmSync(dataDir, { recursive: true, force: true });
    for (const f of OUTPUTS) rmSync(path.join(root, f), { force: true });
  }, 30_000);

  for (const attempt of [1, 2]) {
    it(`runs to the end, run ${attempt}, with the decisions the README describes`, async () => {
      const { code, out } = await run('bash', ['scripts/walkthrough.sh'], env());
      expect(code, out.slice(-3000)).toBe(0);
      expect(out).toMatch(/"decision":"APPROVED","reasons":\[\]/); // the advance
      expect(out).toMatch(/Idempotent-Replayed: true/i);
      expect(out).toMatch(/"decision":"BLOCKED".*"code":"MEMBERSHIP_UNVERIFIED"/);
      expect(out).toMatch(/"decision":"APPROVED","reasons":\[\{"code":"ROSTER_CORRECTED"/);
      expect(out).toMatch(/chain ok: \d+ events verified/);
      expect(out).toMatch(/checkpoint seq \d+: contained unchanged; signature valid/);
      expect(out).toMatch(/# Done: run \d+\./);
    }, 180_000);
  }
});
