// Writes every secret a production deployment needs, or rotates the audit signing key:
//   npm run keys -- --out /etc/gerbang/keys            (refuses to overwrite anything)
//   npm run keys -- --out /etc/gerbang/keys --rotate audit
// Files are written with mode 0600; secrets.env holds the variables to hand to the service.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { publicPart } from '../keys.ts';

const USAGE = `usage: npm run keys -- --out <dir> [--rotate audit]

Without --rotate: creates in <dir> (refusing to overwrite any file)
  audit-signing-key.json    EC P-256 private JWK with kid (AUDIT_SIGNING_KEY_FILE): checkpoints, receipts
  log-signing-key.json      Ed25519 private JWK with kid (LOG_SIGNING_KEY_FILE): transparency-log notes
  webhook-signing-key.json  Ed25519 private JWK with kid (WEBHOOK_SIGNING_KEY_FILE): outgoing webhooks
  secrets.env               PSEUDONYM_KEY and SESSION_SECRET (32 random bytes, base64) and the three *_FILE paths
--rotate audit: a new audit signing key (new kid) replaces audit-signing-key.json; the old public key
  is added to audit-signing-key.json.retired.json, which /v1/audit/jwks.json keeps publishing, so
  receipts and checkpoints signed before still verify. Restart the service afterwards.
`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
};

let parsed;
try {
  parsed = parseArgs({ options: { out: { type: 'string' }, rotate: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const { values } = parsed as NonNullable<typeof parsed>;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const out = path.resolve(values.out ?? fail('--out is required'));
const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
const kid = (prefix: string) => `${prefix}-${stamp}-${randomBytes(4).toString('hex')}`;

async function ecJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: kid('audit'), alg: 'ES256', use: 'sig' };
}
async function edJwk(prefix: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { ...(await exportJWK(privateKey)), kid: kid(prefix), alg: 'EdDSA', use: 'sig' };
}
const secret = () => randomBytes(32).toString('base64');
const write = (file: string, text: string) => writeFileSync(file, text, { mode: 0o600, flag: 'wx' });

const files = {
  audit: path.join(out, 'audit-signing-key.json'),
  log: path.join(out, 'log-signing-key.json'),
  webhook: path.join(out, 'webhook-signing-key.json'),
  env: path.join(out, 'secrets.env'),
};

if (values.rotate !== undefined) {
  if (values.rotate !== 'audit') fail(`--rotate ${values.rotate}: only the audit signing key rotates here`);
  if (!existsSync(files.audit)) fail(`${files.audit} does not exist: create the keys first`);
  const old = JSON.parse(readFileSync(files.audit, 'utf8')) as JWK;
  const retiredFile = `${files.audit}.retired.json`;
  const retired = existsSync(retiredFile) ? (JSON.parse(readFileSync(retiredFile, 'utf8')) as { keys: JWK[] }).keys : [];
  writeFileSync(retiredFile, `${JSON.stringify({ keys: [...retired, { ...publicPart(old), alg: 'ES256', use: 'sig' }] }, null, 2)}\n`, { mode: 0o600 });
  const next = await ecJwk();
  // Written beside, then renamed over the old file, so a crash never leaves half a key.
  writeFileSync(`${files.audit}.new`, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${files.audit}.new`, files.audit);
  process.stdout.write(`audit signing key rotated: ${old.kid} retired (still published), ${next.kid} signs from the next start\n`);
  process.exit(0);
}

mkdirSync(out, { recursive: true, mode: 0o700 });
for (const file of Object.values(files)) if (existsSync(file)) fail(`${file} exists: refusing to overwrite a key`);
write(files.audit, `${JSON.stringify(await ecJwk(), null, 2)}\n`);
write(files.log, `${JSON.stringify(await edJwk('log'), null, 2)}\n`);
write(files.webhook, `${JSON.stringify(await edJwk('webhook'), null, 2)}\n`);
write(files.env, [
  '# Secrets for Gerbang (keep this file and the key files readable by the service only).',
  `AUDIT_SIGNING_KEY_FILE=${files.audit}`,
  `LOG_SIGNING_KEY_FILE=${files.log}`,
  `WEBHOOK_SIGNING_KEY_FILE=${files.webhook}`,
  `PSEUDONYM_KEY=${secret()}`,
  `SESSION_SECRET=${secret()}`,
  '',
].join('\n'));
process.stdout.write(`wrote ${Object.values(files).join(', ')}\n`);
