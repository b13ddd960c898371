// Webhook delivery latency: from a decision's commit to its receipt by a real HTTP receiver.
//
//   npm run bench:webhooks [-- --events 1000 --concurrency 1]
//
// Creates a scratch database (migrated) with 10 projects whose one worker has no membership (every
// decision is BLOCKED, audited and notified), starts the real server (which delivers webhooks),
// registers a local receiver for `disbursement.decided`, and makes N decisions through
// POST /v1/disbursements, one at a time by default. For each event it records
//   - commit -> receipt: from the moment the 201 reached the client (the commit is durable by then;
//     a lower bound of the latency by the answer's own transit, well under a millisecond here),
//   - decidedAt -> receipt: from the decision's own timestamp, taken inside its transaction before
//     the commit (an upper bound).
// Every event must arrive, with a valid Ed25519 (v1a) signature checked against /v1/webhooks/jwks.json.
// Environment: BENCH_DATABASE_URL (admin URL, default postgresql://postgres@127.0.0.1:5432/postgres).
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { devAuthJwk } from '../src/keys.ts';
import { createScratchDatabase, seedProjects } from './seed.ts';
import { startServer } from './server.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '1' } } });
const N = Number(values.events);
const CONCURRENCY = Number(values.concurrency);
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

function quantiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => (s[Math.min(s.length - 1, Math.floor(q * s.length))] as number).toFixed(1);
  return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`;
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gerbang-bench-webhooks-'));
  const scratch = await createScratchDatabase(adminUrl);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  const arrived = new Map<string, { at: number; body: string; headers: Record<string, string> }>();
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const body = Buffer.concat(chunks).toString('utf8');
      const id = (JSON.parse(body) as { data: { id: string } }).data.id;
      if (!arrived.has(id)) arrived.set(id, { at, body, headers: req.headers as Record<string, string> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  try {
    const projects = await seedProjects(scratch.url, { projects: 10, workers: 1 });
    const c = new pg.Client({ connectionString: scratch.url });
    await c.connect();
    await c.query(`delete from memberships where source = 'bench'`); // every decision BLOCKED (MEMBERSHIP_UNVERIFIED)
    await c.end();

    server = await startServer({ root, databaseUrl: scratch.url, dataDir, env: { WEBHOOK_ALLOW_PRIVATE: 'true' } });
    const config = loadConfig({ DATA_DIR: dataDir });
    const jwk = await devAuthJwk(dataDir);
    const token = async (role: string) => `Bearer ${await mintToken(jwk, { sub: `bench-${role}`, roles: [role] }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM, ttlSeconds: 7200,
    })}`;
    const admin = await token('admin');
    const finance = await token('finance');
    const reg = await fetch(`${server.url}/v1/webhooks`, {
      method: 'POST', headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiverUrl, events: ['disbursement.decided'] }),
    });
    if (reg.status !== 201) throw new Error(`registration answered ${reg.status}: ${await reg.text()}`);
    const jwks = (await (await fetch(`${server.url}/v1/webhooks/jwks.json`)).json()) as { keys: Array<{ x: string }> };
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwks.keys[0]!.x }, format: 'jwk' });

    const committed = new Map<string, { answeredAt: number; decidedAt: number }>();
    const decideOnce = async (i: number) => {
      const project = projects[Math.abs(i) % projects.length]!;
      const res = await fetch(`${server!.url}/v1/disbursements`, {
        method: 'POST', headers: { authorization: finance, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
        body: JSON.stringify({ projectId: project.id, stage: 'TERMIN_1', amount: 1_000_000, requestRef: `SPM/BENCH/${i}` }),
      });
      const answeredAt = Date.now();
      const body = (await res.json()) as { id: string; decidedAt: string };
      if (res.status !== 201) throw new Error(`decision answered ${res.status}: ${JSON.stringify(body)}`);
      committed.set(body.id, { answeredAt, decidedAt: Date.parse(body.decidedAt) });
    };
    for (let i = 0; i < 20; i++) await decideOnce(-1 - i); // warm-up (not counted)
    const warm = new Set(committed.keys());
    process.stdout.write(`making ${N} decisions (concurrency ${CONCURRENCY}; load average ${load()})...\n`);
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < N; i = next++) await decideOnce(i);
    }));
    const seconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 60_000;
    while ([...committed.keys()].some((id) => !arrived.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    const fromCommit: number[] = [];
    const fromDecidedAt: number[] = [];
    let missing = 0;
    let badSignatures = 0;
    for (const [id, c] of committed) {
      if (warm.has(id)) continue;
      const a = arrived.get(id);
      if (!a) {
        missing++;
        continue;
      }
      fromCommit.push(a.at - c.answeredAt);
      fromDecidedAt.push(a.at - c.decidedAt);
      const sig = a.headers['webhook-signature'] ?? '';
      const signed = Buffer.from(`${a.headers['webhook-id']}.${a.headers['webhook-timestamp']}.${a.body}`);
      if (!sig.split(' ').some((s) => s.startsWith('v1a,') && verify(null, signed, publicKey, Buffer.from(s.slice(4), 'base64')))) badSignatures++;
    }
    process.stdout.write(`\nresults (${N} events, ${(N / seconds).toFixed(0)} decisions/s; ${os.cpus().length} cores, PostgreSQL on the same host; load average now ${load()})\n`);
    process.stdout.write(`  commit (201 answered) -> receipt   ${quantiles(fromCommit)}\n`);
    process.stdout.write(`  decidedAt (in the tx) -> receipt   ${quantiles(fromDecidedAt)}\n`);
    process.stdout.write(`  arrived ${fromCommit.length} of ${N}; missing ${missing}; bad signatures ${badSignatures}\n`);
    if (missing > 0 || badSignatures > 0) process.exitCode = 1;
  } finally {
    await server?.stop();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
    await scratch.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
