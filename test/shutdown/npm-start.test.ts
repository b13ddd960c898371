// SIGTERM while a decision waits for a slow upstream, through `npm start` as a deployment runs it
// (NODE_ENV=production, keys from a JWKS URL, BPJS_PROVIDER=http): the decision in flight is
// answered 201, and the process exits 0 (contract, Operations), whether the supervisor signals the
// node process or npm itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth-tokens.ts';
import { newEd25519Jwk, publicPart } from '../../src/keys.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { freePort } from '../helpers/free-port.ts';
import { es256Jwk } from '../helpers/keys.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** How long the upstream sleeps before answering: the whole default BPJS_DEADLINE_MS. */
const UPSTREAM_SLEEP_MS = 6_000;

const listen = async (server: Server): Promise<string> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The node process npm started (npm -> sh -> node, or npm -> node), found through /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
function serverPid(npmPid: number): number | undefined {
  const queue = [npmPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const child of childrenOf(pid)) {
      // The shell npm runs the script with has the script in its command line too: look at argv[0].
      const argv = readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0] ?? '') === 'node' && argv.includes('src/server.ts')) return child;
      queue.push(child);
    }
  }
  return undefined;
}

describe('SIGTERM while a decision waits 6 s for the upstream, through npm start in production', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gerbang-shutdown-'));
  let jwks: Server;
  let upstream: Server;
  let upstreamUrl: string;
  let jwksUrl: string;
  let token: string;
  let projectId: string;
  let databaseUrl: string;
  const upstreamCalls: string[] = [];

  beforeAll(async () => {
    const idp = await es256Jwk('shutdown-idp');
    jwks = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicPart(idp)] }));
    });
    jwksUrl = `${await listen(jwks)}/jwks.json`;
    // An upstream that answers every call, but only after the whole decision deadline.
    upstream = createServer((req, res) => {
      upstreamCalls.push(req.url ?? '');
      req.resume();
      const timer = setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: [] }));
      }, UPSTREAM_SLEEP_MS);
      res.on('close', () => clearTimeout(timer));
    });
    upstreamUrl = await listen(upstream);
    writeFileSync(path.join(dir, 'audit.jwk.json'), JSON.stringify(await es256Jwk('shutdown-audit')));
    writeFileSync(path.join(dir, 'log.jwk.json'), JSON.stringify(await newEd25519Jwk('shutdown-log')));
    writeFileSync(path.join(dir, 'webhook.jwk.json'), JSON.stringify(await newEd25519Jwk('shutdown-webhook')));
    token = await mintToken(idp, { sub: 'finance-shutdown', roles: ['finance'] }, {
      issuer: 'gerbang-dev', audience: 'gerbang', rolesClaim: 'roles', opdClaim: 'opd',
    });

    databaseUrl = await testDatabaseUrl();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      // A two-worker project whose workers have no stored status: the decision must ask the upstream.
      const { rows: [contractor] } = await db.query<{ id: string }>(
        `insert into contractors (name, nib, npwp, bpjs_employer_number) values ('PT Shutdown', '9120009999999', '013121660091000', '12345678') returning id`);
      const { rows: [project] } = await db.query<{ id: string }>(`
        insert into projects (code, name, opd_code, contractor_id, funding_source, fiscal_year, contract_number, contract_value,
          vat_percent, start_date, end_date, bpjs_registration_number, bpjs_premium_paid)
        select 'DPUPR-SHUTDOWN', 'Shutdown drill', 'DPUPR', $1, 'APBD', 2025, 'SPK/SHUTDOWN', 1110000000, 11, d - 30, d + 300, '900100200399', 1750000
        from (select (now() at time zone 'Asia/Jakarta')::date as d) t returning id`, [contractor!.id]);
      projectId = project!.id;
      await db.query(`
        insert into assignments (project_id, nik, name, kpj, role, start_date)
        select $1, nik, 'Pekerja ' || nik, null, 'TUKANG', (now() at time zone 'Asia/Jakarta')::date - 30
        from unnest(array['1671010101900001', '1671010101900002']) nik`, [projectId]);
    } finally {
      await db.end();
    }
  });

  afterAll(async () => {
    jwks?.close();
    upstream?.closeAllConnections();
    upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startNpm(): Promise<{ npm: ChildProcess; base: string; output: () => string; exited: Promise<number | null> }> {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const env = {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir,
      NODE_ENV: 'production', DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), METRICS_PORT: String(metricsPort),
      AUTH_JWKS_URL: jwksUrl, AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit.jwk.json'), LOG_SIGNING_KEY_FILE: path.join(dir, 'log.jwk.json'),
      WEBHOOK_SIGNING_KEY_FILE: path.join(dir, 'webhook.jwk.json'),
      PSEUDONYM_KEY: randomBytes(32).toString('base64'), SESSION_SECRET: randomBytes(32).toString('base64'),
      BPJS_PROVIDER: 'http', BPJS_API_URL: upstreamUrl, BPJS_API_KEY: 'shutdown-key', LOG_LEVEL: 'info',
    };
    const npm = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (npm.exitCode !== null) throw new Error(`npm start exited with ${npm.exitCode}\n${output}`);
      try {
        if ((await fetch(`${base}/readyz`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`npm start was not ready in time\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { npm, base, output: () => output, exited };
  }

  it.each(['node', 'npm'] as const)('answers the decision 201 and exits 0 (SIGTERM to the %s process)', async (target) => {
    const { npm, base, output, exited } = await startNpm();
    try {
      // Until the process is settled (keys fetched, no longer shedding load after a slow start on a busy machine).
      for (let i = 0; ; i++) {
        const res = await fetch(`${base}/v1/opds`, { headers: { authorization: `Bearer ${token}` } });
        if (res.status === 200) break;
        if (i >= 100) throw new Error(`GET /v1/opds answers ${res.status}: ${await res.text()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const decision = fetch(`${base}/v1/disbursements`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ projectId, stage: 'UANG_MUKA', amount: 1_000_000, requestRef: `SPM/${target}` }),
      });
      await new Promise((r) => setTimeout(r, 400));
      const pid = target === 'node' ? serverPid(npm.pid as number) : npm.pid;
      expect(pid, 'the node process under npm').toBeDefined();
      process.kill(pid as number, 'SIGTERM');
      const res = await decision;
      const body = await res.text();
      expect(res.status, body).toBe(201);
      expect(JSON.parse(body)).toMatchObject({ decision: 'BLOCKED', reasons: expect.arrayContaining([expect.objectContaining({ code: 'MEMBERSHIP_UNVERIFIED' })]) });
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
      expect(code, output()).toBe(0);
      expect(output()).not.toMatch(/"level":(50|60)/);
    } finally {
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  }, 90_000);
});
