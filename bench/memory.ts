// Memory of the embedded default: `npm start` on PGlite, measured as the process's resident set.
//
//   npm run bench:memory [-- --idle 30 --requests 200 --node-flags=--no-wasm-tier-up]
//
// Starts the server exactly as `npm start` does (the node flags of package.json's start script)
// with a fresh DATA_DIR, so the first start initialises the embedded database (the initdb template,
// migrations, seed); samples VmRSS from /proc every 100 ms, and reads VmHWM (the kernel's peak) at the end.
// Then: RSS once ready, after a light walk-through load (contractor, project, roster, import,
// decisions, audit verify; --requests decisions), and after --idle seconds of idle. Then a second
// start on the same DATA_DIR (the everyday case). Linux only (/proc). Prints a table and JSON.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mintToken } from '../src/auth-tokens.ts';
import { devAuthJwk } from '../src/keys.ts';
import { freePort, START_FLAGS } from './server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { idle: { type: 'string', default: '30' }, requests: { type: 'string', default: '200' }, 'node-flags': { type: 'string', default: '' } } });
const idleSeconds = Number(values.idle);
const decisions = Number(values.requests);
const MB = 1024 * 1024;

// --node-flags adds flags to npm start's, to try one before changing package.json (write
// --node-flags=--flag: parseArgs takes a value starting with a dash only after '=').
const nodeFlags = [...START_FLAGS, ...(values['node-flags'] ?? '').split(/\s+/).filter(Boolean)];

const status = (pid: number): { rss: number; hwm: number } => {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run { label: string; readyMs: number; readyRss: number; afterLoadRss: number | null; idleRss: number; peakRss: number }

async function run(label: string, dataDir: string, load: boolean): Promise<Run> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(port), METRICS_PORT: String(metricsPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...pickEnv() },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid as number;
  let peak = 0;
  const sampler = setInterval(() => {
    try { peak = Math.max(peak, status(pid).rss); } catch { /* exited */ }
  }, 100);
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${label}: the server exited (${child.exitCode})`);
    const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(200);
  }
  const readyMs = performance.now() - started;
  const readyRss = status(pid).rss;
  let afterLoadRss: number | null = null;
  if (load) {
    await walkThrough(base, dataDir);
    afterLoadRss = status(pid).rss;
  }
  await sleep(idleSeconds * 1000);
  const idleRss = status(pid).rss;
  const hwm = status(pid).hwm;
  clearInterval(sampler);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return { label, readyMs, readyRss, afterLoadRss, idleRss, peakRss: Math.max(peak, hwm) };
}

/** Variables that change the server's memory (e.g. NODE_OPTIONS) pass through. */
function pickEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'NODE_OPTIONS' || k.startsWith('PGLITE_') || k === 'MALLOC_ARENA_MAX') as [string, string][]);
}

async function walkThrough(base: string, dataDir: string): Promise<void> {
  const jwk = await devAuthJwk(dataDir);
  const settings = { issuer: 'gerbang-dev', audience: 'gerbang', rolesClaim: 'roles', opdClaim: 'opd' };
  const auth = async (role: string, opd?: string) => `Bearer ${await mintToken(jwk, { sub: `bench-${role}`, roles: [role], ...(opd ? { opd } : {}) }, settings)}`;
  const [admin, opd, fin, insp] = await Promise.all([auth('admin'), auth('opd', 'DPUPR'), auth('finance'), auth('inspector')]);
  const call = async (method: string, url: string, token: string, body?: unknown, type = 'application/json', headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${url}`, { method, headers: { authorization: token, ...(body !== undefined ? { 'content-type': type } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) as Record<string, unknown> : {};
  };
  const contractor = await call('POST', '/v1/contractors', admin, { name: 'PT Bench Memori', nib: '9123456789012', npwp: '01.312.166.0-091.000' });
  const project = await call('POST', '/v1/projects', opd, {
    code: 'PKG-MEM-1', name: 'Paket uji memori', opdCode: 'DPUPR', contractorId: contractor.id, fundingSource: 'APBD', fiscalYear: 2026,
    contractNumber: 'SPK/MEM/1', contractValue: 1_110_000_000, startDate: '2026-01-05', endDate: '2027-12-31', bpjsRegistrationNumber: '250199990001', bpjsPremiumPaid: 1_750_000,
  });
  const workers = Array.from({ length: 200 }, (_, i) => ({ nik: `16710115059${String(10000 + i).slice(1)}`.slice(0, 12) + String(1 + i).padStart(4, '0'), name: `Pekerja ${i}`, role: 'TUKANG', startDate: '2026-01-05' }));
  await call('PUT', `/v1/projects/${project.id}/workers`, opd, { workers });
  const asOf = new Date().toISOString();
  await call('POST', '/v1/memberships/import', admin, workers.map((w) => JSON.stringify({ nik: w.nik, kpj: `2501${String(workers.indexOf(w)).padStart(7, '0')}`, name: w.name, status: 'ACTIVE',
    programs: ['JKK', 'JKM'], coverageStart: '2026-01-01', coverageEnd: '2099-12-31', segment: 'JAKON', projectNumber: '250199990001', asOf })).join('\n'), 'application/x-ndjson');
  for (let i = 0; i < decisions; i++) {
    await call('POST', '/v1/disbursements', fin, { projectId: project.id, stage: `TERMIN_${1 + (i % 999)}`, amount: 1_000_000, requestRef: `SPM-MEM-${i}` }, 'application/json', { 'idempotency-key': `mem-${i}` });
  }
  await call('GET', '/v1/audit/verify', insp);
  await call('GET', `/v1/projects/${project.id}/workers`, opd);
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'gerbang-memory-'));
try {
  const first = await run('first start (fresh DATA_DIR), walk-through load', dataDir, true);
  const second = await run('second start (same DATA_DIR)', dataDir, false);
  const mb = (n: number | null) => (n === null ? '-' : `${Math.round(n / MB)} MB`);
  process.stdout.write(`node ${process.version}, flags ${nodeFlags.join(' ')}${process.env.NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.NODE_OPTIONS}` : ''}; idle ${idleSeconds} s; ${decisions} decisions\n`);
  process.stdout.write('| run | ready after | RSS ready | RSS after load | RSS idle | peak RSS |\n|---|---|---|---|---|---|\n');
  for (const r of [first, second]) process.stdout.write(`| ${r.label} | ${(r.readyMs / 1000).toFixed(1)} s | ${mb(r.readyRss)} | ${mb(r.afterLoadRss)} | ${mb(r.idleRss)} | ${mb(r.peakRss)} |\n`);
  process.stdout.write(`${JSON.stringify({ first, second })}\n`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
