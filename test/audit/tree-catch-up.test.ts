// Upgrading a large log: the Merkle tree's catch-up runs behind a listening server (review finding
// 4). A real `node src/server.ts` on a log whose events have no tree rows must answer decisions at
// once, answer proofs 503 with Retry-After until the catch-up reaches them and 200 after, and end
// with exactly the tree a full rebuild gives, including the events appended while it ran.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAuditBatch, type AuditEntry } from '../../src/audit/append.ts';
import { verifyInclusion } from '../../src/audit/proof-check.ts';
import { catchUpAuditTree } from '../../src/audit/tree-backfill.ts';
import { mintToken } from '../../src/auth-tokens.ts';
import { openPostgres } from '../../src/db/client.ts';
import { publicPart } from '../../src/keys.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { es256Jwk } from '../helpers/keys.ts';
import { startService, type ServiceProcess } from '../drills/service.ts';
import { decisionBody, insertCoveredWorker, insertProject } from '../disbursements/fixtures.ts';
import { superuser, tamper } from './support.ts';

/** Enough events that the catch-up runs for a while (dozens of batches) behind the server. */
const EVENTS = 120_000;
const b = (s: string) => Buffer.from(s, 'base64');

describe('the tree catch-up after an upgrade runs behind a listening server', async () => {
  const url = await testDatabaseUrl();
  const database = await openPostgres({ url, logger: pino({ level: 'silent' }), max: 2, statementTimeoutMs: 120_000 });
  const su = await superuser();
  const dir = mkdtempSync(path.join(tmpdir(), 'gerbang-catch-up-'));
  const idp = await es256Jwk('catch-up-idp');
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [publicPart(idp)] }));
  writeFileSync(path.join(dir, 'audit.json'), JSON.stringify(await es256Jwk('catch-up-audit')));
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.destroy();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const entry = (i: number): AuditEntry => ({
    actor: { sub: 'upgrade', roles: ['admin'], opd: null }, action: 'project.updated', entityType: 'project', entityId: `p-${i}`,
    data: { n: i }, requestId: `upgrade-${i}`,
  });
  for (let done = 0; done < EVENTS; done += 10_000) {
    await database.db.transaction((tx) => appendAuditBatch(tx, Array.from({ length: 10_000 }, (_, k) => entry(done + k)), () => new Date()));
  }
  const treeDigest = async () => (await su.query<{ d: string; n: string }>(`select md5(string_agg(hashes, ''::bytea order by leaf_index)) as d, count(*) as n from audit_tree`)).rows[0];
  const [{ seq: seededHead }] = (await su.query<{ seq: string }>('select seq from audit_head')).rows as [{ seq: string }];
  const builtIncrementally = await treeDigest();
  // A log written before the tree existed: the events, no tree rows.
  await tamper(su, 'delete from audit_tree');

  const token = (role: string) => mintToken(idp, { sub: `${role}-catch-up`, roles: [role] }, { issuer: 'gerbang-dev', audience: 'gerbang', rolesClaim: 'roles', opdClaim: 'opd' });
  const send = async (p: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) => {
    const res = await fetch(`${service?.baseUrl}${p}`, {
      method: init.method ?? 'GET',
      headers: { ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it('is ready and decides at once, answers proofs 503 until the tree catches up, then the same tree as a full rebuild', async () => {
    const p = await insertProject(database, { startDate: '2025-07-01', registrationRecord: { asOf: new Date() } }); // fresh by the server's real clock
    for (let i = 0; i < 3; i++) await insertCoveredWorker(database, p, {}, { coverageEnd: '2199-12-31', asOf: new Date() });
    service = await startService({
      databaseUrl: url, readyTimeoutMs: 150_000,
      env: { AUTH_JWKS_FILE: path.join(dir, 'jwks.json'), AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit.json'), PSEUDONYM_KEY: randomBytes(32).toString('base64') },
    });
    const inspector = { authorization: `Bearer ${await token('inspector')}` };

    // Ready (startService waited for /readyz) while the tree is still far behind the head.
    const behind = await send(`/v1/audit/proof/inclusion?seq=${seededHead}&treeSize=${seededHead}`, { headers: inspector });
    expect(behind.status, JSON.stringify(behind.body)).toBe(503);
    expect(behind.body).toMatchObject({ code: 'AUDIT_TREE_INCOMPLETE', status: 503 });
    expect(behind.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(behind.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await send('/v1/audit/checkpoint', { headers: inspector })).status).toBe(503);
    expect((await send('/readyz')).status).toBe(200);

    // Decisions do not wait for the catch-up (it holds the head lock one short batch at a time).
    const started = performance.now();
    const decided = await send('/v1/disbursements', {
      method: 'POST', headers: { authorization: `Bearer ${await token('finance')}`, 'idempotency-key': 'during-catch-up' }, body: decisionBody(p),
    });
    const decisionMs = performance.now() - started;
    expect(decided.status, JSON.stringify(decided.body)).toBe(201);
    expect(decided.body.decision).toBe('APPROVED');
    const stillBehind = (await treeDigest())?.n;
    expect(Number(stillBehind), 'the catch-up finished before the decision: the test proves nothing').toBeLessThan(EVENTS);

    // Then the proofs come: poll until the head's checkpoint answers.
    let checkpoint = await send('/v1/audit/checkpoint', { headers: inspector });
    for (let i = 0; i < 600 && checkpoint.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 200));
      checkpoint = await send('/v1/audit/checkpoint', { headers: inspector });
    }
    expect(checkpoint.status, JSON.stringify(checkpoint.body)).toBe(200);
    const head = checkpoint.body.treeSize as number;
    expect(head).toBeGreaterThan(Number(seededHead)); // the decision's event (and its receipt) are in it
    const proof = await send(`/v1/audit/proof/inclusion?seq=${seededHead}&treeSize=${head}`, { headers: inspector });
    expect(proof.status).toBe(200);
    const body = proof.body as { leafIndex: number; treeSize: number; leafHash: string; hashes: string[] };
    expect(verifyInclusion(body.leafIndex, body.treeSize, b(body.leafHash), body.hashes.map(b), b(checkpoint.body.rootHash as string))).toBe(true);
    const past = await send(`/v1/audit/checkpoint?treeSize=${seededHead}`, { headers: inspector });
    expect(past.status).toBe(200);

    // The tree now: every row equal to a full rebuild from the events (the seeded part also to the
    // tree that appends had built incrementally before it was removed).
    await service.destroy();
    service = undefined;
    const caughtUp = await treeDigest();
    expect(Number(caughtUp?.n)).toBe(head);
    const prefix = (await su.query<{ d: string }>(`select md5(string_agg(hashes, ''::bytea order by leaf_index)) as d from audit_tree where leaf_index < $1`, [seededHead])).rows[0];
    expect(prefix?.d).toBe(builtIncrementally?.d);
    await tamper(su, 'delete from audit_tree');
    const rebuilt = await catchUpAuditTree(database.db);
    expect(rebuilt).toMatchObject({ appended: head, size: head, complete: true });
    expect(await treeDigest()).toEqual(caughtUp);
    expect(decisionMs).toBeLessThan(10_000);
  }, 300_000);
});
