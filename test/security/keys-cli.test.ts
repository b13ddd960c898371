// Item 7: `npm run keys` writes every production secret in the form the configuration takes, and
// rotating the audit signing key keeps the old public key published.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { loadKeys } from '../../src/keys.ts';

const run = promisify(execFile);
const cwd = new URL('../..', import.meta.url).pathname;
const keysCli = (...args: string[]) => run(process.execPath, ['src/cli/keys.ts', ...args], { cwd, timeout: 120_000 });

describe('npm run keys', () => {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'gerbang-keys-')), 'keys');
  afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));
  const envOf = () => Object.fromEntries(readFileSync(path.join(dir, 'secrets.env'), 'utf8').split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

  it('writes the audit P-256 key, the Ed25519 log and webhook keys, PSEUDONYM_KEY and SESSION_SECRET (0600), never overwriting', async () => {
    await keysCli('--out', dir);
    const env = envOf();
    expect(Object.keys(env).sort()).toEqual(['AUDIT_SIGNING_KEY_FILE', 'LOG_SIGNING_KEY_FILE', 'PSEUDONYM_KEY', 'SESSION_SECRET', 'WEBHOOK_SIGNING_KEY_FILE']);
    for (const name of ['PSEUDONYM_KEY', 'SESSION_SECRET']) expect(Buffer.from(env[name] as string, 'base64')).toHaveLength(32);
    const audit = JSON.parse(readFileSync(env.AUDIT_SIGNING_KEY_FILE as string, 'utf8'));
    expect(audit).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: expect.stringMatching(/^audit-/), d: expect.any(String) });
    for (const file of [env.LOG_SIGNING_KEY_FILE, env.WEBHOOK_SIGNING_KEY_FILE]) {
      expect(JSON.parse(readFileSync(file as string, 'utf8'))).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String), d: expect.any(String) });
      expect(statSync(file as string).mode & 0o777).toBe(0o600);
    }
    // What the service loads in production.
    const keys = await loadKeys(loadConfig({ AUDIT_SIGNING_KEY_FILE: env.AUDIT_SIGNING_KEY_FILE, PSEUDONYM_KEY: env.PSEUDONYM_KEY, DATA_DIR: dir }));
    expect(keys.auditSigningKey.kid).toBe(audit.kid);
    const again = await keysCli('--out', dir).catch((e: { code: number; stderr: string }) => e);
    expect(again).toMatchObject({ code: 2 });
    expect(JSON.parse(readFileSync(env.AUDIT_SIGNING_KEY_FILE as string, 'utf8')).kid).toBe(audit.kid);
  });

  it('rotates the audit signing key and keeps publishing the old public key', async () => {
    const env = envOf();
    const before = JSON.parse(readFileSync(env.AUDIT_SIGNING_KEY_FILE as string, 'utf8')).kid;
    await keysCli('--out', dir, '--rotate', 'audit');
    const keys = await loadKeys(loadConfig({ AUDIT_SIGNING_KEY_FILE: env.AUDIT_SIGNING_KEY_FILE, PSEUDONYM_KEY: env.PSEUDONYM_KEY, DATA_DIR: dir }));
    expect(keys.auditSigningKey.kid).not.toBe(before);
    expect(keys.auditPublicKeys.map((k) => k.kid)).toEqual([keys.auditSigningKey.kid, before]);
    expect(keys.auditPublicKeys.every((k) => k.d === undefined)).toBe(true);
  });
}, 300_000);
