import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './helpers/free-port.ts';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Boots the embedded default exactly as `npm start` does (no DATABASE_URL: PGlite in DATA_DIR,
// development keys), uses it the way the README's quick start does, and stops it with SIGTERM.

const root = fileURLToPath(new URL('..', import.meta.url));

async function waitFor(url: string, deadline: number): Promise<Response> {
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start on the embedded database', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gerbang-smoke-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  // Nothing inherited but PATH and HOME: no DATABASE_URL, as on a fresh clone.
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dataDir, DATA_DIR: dataDir, PORT: String(port), METRICS_PORT: String(metricsPort) };
  const started = Date.now();
  const child = spawn(process.execPath, ['src/server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;

  it('becomes ready on a fresh data directory', async () => {
    const ready = await waitFor(`${base}/readyz`, Date.now() + 45_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\n--- server output ---\n${output}`);
    });
    expect(await ready.json()).toEqual({ status: 'ok', database: 'ok', migrations: 'ok', host: 'embedded' });
    console.info(`embedded PGlite start-up to ready: ${Date.now() - started} ms`);
    // The start-up lines may arrive through the pipe just after the first answer.
    for (const deadline = Date.now() + 5_000; !/npm run (-s )?token/.test(output) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
    expect(output).toContain(`${port}/docs`);
    expect(output).toMatch(/npm run (-s )?token/);
  }, 60_000);

  it('answers with a token from `npm run token` (same DATA_DIR)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['src/cli/token.ts', '--role', 'admin'], { cwd: root, env });
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const res = await fetch(`${base}/v1/opds`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as { items: Array<{ code: string }> };
    expect(items.map((o) => o.code)).toEqual(expect.arrayContaining(['DPUPR', 'BPKAD', 'INSPEKTORAT']));
    const anonymous = await fetch(`${base}/v1/opds`);
    expect(anonymous.status).toBe(401);
  });

  it('serves the docs and Prometheus metrics on METRICS_PORT', async () => {
    expect((await fetch(`${base}/docs`)).status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('gerbang_http_request_duration_seconds');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('exits 0 on SIGTERM', async () => {
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    expect(code, output).toBe(0);
    console.info(`SIGTERM to exit: ${Date.now() - signalled} ms`);
  }, 20_000);
});
