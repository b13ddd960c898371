// Backup and restore as the README says (Operating it): pg_dump -Fc of a live database, pg_restore
// into a new database, the key directory restored beside it, and the service started on the copy.
// The restored log must verify up to the checkpoint taken before the backup, and a receipt issued
// before the backup must still prove itself offline against the restored log's checkpoint.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/client.ts';
import { runCli, writeTemp } from '../audit/support.ts';
import { databaseUrl, testDatabaseUrl } from '../helpers/database.ts';
import { startService, type ServiceProcess } from '../drills/service.ts';
import { count, decisionBody, insertCoveredWorker, insertProject } from '../disbursements/fixtures.ts';

const run = promisify(execFile);
type Json = Record<string, unknown>;

describe('backup with pg_dump and restore into a new database', async () => {
  const url = await testDatabaseUrl();
  const database = await openPostgres({ url, logger: pino({ level: 'silent' }), max: 2 });
  const work = mkdtempSync(path.join(tmpdir(), 'gerbang-backup-'));
  // DATA_DIR holds the development keys (audit signing, log signing, pseudonyms): the "key directory".
  const keys = path.join(work, 'keys');
  const restoredKeys = path.join(work, 'restored-keys');
  const restoredName = `gerbang_restore_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl('postgres') });
  await admin.connect();
  const services: ServiceProcess[] = [];
  afterAll(async () => {
    await Promise.all(services.map((s) => s.destroy()));
    await database.close();
    await admin.query(`drop database if exists ${restoredName} with (force)`);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  });
  const start = async (databaseUrlOf: string, dataDir: string) => {
    const s = await startService({ databaseUrl: databaseUrlOf, dataDir, readyTimeoutMs: 150_000 });
    services.push(s);
    return s;
  };
  const call = async (s: ServiceProcess, p: string, token: string, body?: Json, headers: Record<string, string> = {}) => {
    const res = await fetch(`${s.baseUrl}${p}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  // Before: a project with covered workers, two decisions through the service, a receipt and a checkpoint.
  const project = await insertProject(database, { startDate: '2025-07-01', registrationRecord: { asOf: new Date() } }); // the server runs the real clock
  for (let i = 0; i < 2; i++) await insertCoveredWorker(database, project, {}, { coverageEnd: '2199-12-31', asOf: new Date() });
  const before = await start(url, keys);
  const finance = await before.token('finance', 'bpkad-backup');
  const inspector = await before.token('inspector', 'inspektorat-backup');
  const firstBody = decisionBody(project, { stage: 'UANG_MUKA' });
  const first = await call(before, '/v1/disbursements', finance, firstBody, { 'idempotency-key': 'backup-1' });
  const second = await call(before, '/v1/disbursements', finance, decisionBody(project, { stage: 'TERMIN_1' }), { 'idempotency-key': 'backup-2' });
  const receipt = await call(before, `/v1/disbursements/${first.body.id as string}/receipt`, finance);
  const checkpoint = await call(before, '/v1/audit/checkpoint', inspector);

  // The backup, taken while the service runs: the database (custom format) and the key directory.
  const dump = path.join(work, 'gerbang.dump');
  await run('pg_dump', ['-Fc', '-f', dump, url]);
  cpSync(keys, restoredKeys, { recursive: true });
  await before.destroy();
  // The restore, into a database that never saw the original.
  await admin.query(`create database ${restoredName}`);
  const restoredUrl = databaseUrl(restoredName);
  await run('pg_restore', ['--exit-on-error', '-d', restoredUrl, dump]);
  const after = await start(restoredUrl, restoredKeys);

  it('made the decisions before the backup', () => {
    expect([first.status, second.status, receipt.status, checkpoint.status]).toEqual([201, 201, 200, 200]);
    expect(first.body.decision).toBe('APPROVED');
  });

  it('verifies the restored chain up to the checkpoint taken before the backup, with the same head hash', async () => {
    const seq = checkpoint.body.seq as number;
    const verify = await call(after, `/v1/audit/verify?toSeq=${seq}`, inspector);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, toSeq: seq, toHash: checkpoint.body.hash });
    const whole = await call(after, '/v1/audit/verify', inspector);
    expect(whole.body.ok).toBe(true);
  });

  it('issues the same receipt from the restored database, signed with the restored key', async () => {
    const again = await call(after, `/v1/disbursements/${first.body.id as string}/receipt`, finance);
    expect(again.status).toBe(200);
    const claims = (r: Json) => decodeJwt(r.jws as string);
    const pick = (c: Json) => ({ id: c.id, decision: c.decision, auditSeq: c.auditSeq, leafIndex: c.leafIndex, leafHash: c.leafHash, evidenceSha256: c.evidenceSha256 });
    expect(pick(claims(again.body))).toEqual(pick(claims(receipt.body)));
    expect(decodeProtectedHeader(again.body.jws as string).kid).toBe(decodeProtectedHeader(receipt.body.jws as string).kid);
  });

  it('proves the receipt issued before the backup offline against the restored log (audit:verify --receipt)', async () => {
    const size = Number((receipt.body.note as string).split('\n')[1]);
    const note = await call(after, `/v1/audit/checkpoint?treeSize=${size}`, inspector);
    expect(note.status).toBe(200);
    const jwks = await (await fetch(`${after.baseUrl}/v1/audit/jwks.json`)).text();
    const r = await runCli(['--receipt', writeTemp(JSON.stringify(receipt.body), 'json'), '--checkpoint', writeTemp(note.body.note as string, 'txt'),
      '--jwks', writeTemp(jwks, 'json'), '--json']);
    const checks = (JSON.parse(r.stdout || '{"checks":[]}') as { checks: Array<{ name: string; ok: boolean | null }> }).checks;
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.filter((c) => c.ok !== true)).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('goes on from the restored state: an idempotent replay, the stage already approved, and the chain still verifies', async () => {
    // The finance system retries a request it sent before the backup: it gets the stored decision.
    const replay = await call(after, '/v1/disbursements', finance, firstBody, { 'idempotency-key': 'backup-1' });
    expect([replay.status, replay.body.id]).toEqual([200, first.body.id]);
    const again = await call(after, '/v1/disbursements', finance, decisionBody(project, { stage: 'UANG_MUKA' }), { 'idempotency-key': 'backup-3' });
    expect(again.status).toBe(201);
    expect(again.body.decision).toBe('BLOCKED');
    expect((again.body.reasons as Array<{ code: string }>).map((x) => x.code)).toContain('STAGE_ALREADY_APPROVED');
    expect((await call(after, '/v1/audit/verify', inspector)).body.ok).toBe(true);
    // The original database was not touched by the restored service.
    expect(await count(database, 'disbursements', `project_id = '${project.id}'`)).toBe(2);
  });
}, 300_000);
