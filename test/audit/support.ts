import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll } from 'vitest';
import { appendAudit } from '../../src/audit/append.ts';
import type { AuditAction } from '../../src/audit/chain.ts';
import type { TestApp } from '../helpers/app.ts';
import { testDatabaseUrl } from '../helpers/database.ts';

const CLI = fileURLToPath(new URL('../../src/cli/audit-verify.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const actor = { sub: 'test-admin', roles: ['admin'], opd: null };

/** Appends `count` events directly, each in its own transaction (as a service would). */
export async function appendEvents(t: TestApp, count: number, action: AuditAction = 'project.updated'): Promise<void> {
  for (let i = 0; i < count; i++) {
    await t.database.db.transaction((tx) =>
      appendAudit(tx, { actor, action, entityType: 'project', entityId: `p-${i}`, data: { field: 'name', n: i, nested: { b: [1, 2.5, 'x'], a: null } }, requestId: `req-${i}` }, () => new Date()),
    );
  }
}

/** A superuser connection to this file's database, outside the app (closed after the file). */
export async function superuser(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await testDatabaseUrl() });
  await client.connect();
  afterAll(() => client.end());
  return client;
}

/** Runs SQL with triggers disabled, as an attacker with superuser rights would. */
export async function tamper(client: pg.Client, text: string, params: unknown[] = []): Promise<void> {
  await client.query('begin');
  try {
    await client.query('set local session_replication_role = replica');
    await client.query(text, params);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw err;
  }
}

export async function verifyEndpoint(t: TestApp, query = '') {
  const res = await t.app.inject({ method: 'GET', url: `/v1/audit/verify${query}`, headers: await t.auth('inspector') });
  if (res.statusCode !== 200) throw new Error(`verify answered ${res.statusCode}: ${res.body}`);
  return res.json() as { ok: boolean; checked: number; fromSeq: number; toSeq: number; toHash: string | null; headSeq: number; headHash: string; firstInvalidSeq?: number; reason?: string };
}

export async function exportNdjson(t: TestApp, query = ''): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: `/v1/audit/events${query}`, headers: { ...(await t.auth('inspector')), accept: 'application/x-ndjson' } });
  if (res.statusCode !== 200) throw new Error(`export answered ${res.statusCode}: ${res.body}`);
  return res.body;
}

const dir = mkdtempSync(path.join(tmpdir(), 'gerbang-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
export function writeTemp(content: string, ext = 'ndjson'): string {
  const file = path.join(dir, `f${files++}.${ext}`);
  writeFileSync(file, content);
  return file;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: { ok: boolean; chainOk: boolean; checked: number; firstInvalidSeq?: number; reason?: string; lastSeq: number | null; checkpoint?: { contained: boolean; signature: string; detail?: string } } | null;
}

/** Runs `npm run audit:verify` as a separate process, as an inspector would. */
export function runCli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      let json: CliResult['json'] = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        // human-readable output
      }
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr, json });
    });
  });
}
