// Prints a development access token: npm run token -- --role opd --opd DPUPR [--sub name] [--ttl 3600]
import { parseArgs } from 'node:util';
import { mintToken } from '../auth-tokens.ts';
import { loadConfig } from '../config.ts';
import { ROLES } from '../http/auth.ts';
import { devAuthJwk } from '../keys.ts';

const USAGE = `usage: npm run -s token -- --role <role> [--role <role>...] [--opd CODE] [--sub name] [--ttl seconds]

Prints a development access token signed with the key the service created in DATA_DIR (only when
no AUTH_JWKS_URL or AUTH_JWKS_FILE is configured; in production tokens come from your identity provider).

  --role   ${ROLES.join(', ')} (repeat for several roles)
  --opd    the OPD code, required with --role opd (e.g. DPUPR, DINKES: GET /v1/opds lists them)
  --sub    the token's subject (default dev-<roles>[-<opd>]); rate limits and idempotency keys are per sub
  --ttl    lifetime in seconds (default 3600)
  --help   this text

examples:
  TOKEN=$(npm run -s token -- --role admin)
  curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/v1/opds
  npm run -s token -- --role opd --opd DPUPR
`;

const fail = (message: string): never => {
  process.stderr.write(`${message}\n\n${USAGE}`);
  process.exit(2);
};

let parsed;
try {
  parsed = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      opd: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '3600' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const { values } = parsed as NonNullable<typeof parsed>;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

const config = loadConfig();
if (config.AUTH_JWKS_URL || config.AUTH_JWKS_FILE) fail('A JWKS is configured: tokens come from your identity provider, not from this script.');
const roles = values.role ?? fail('--role is required');
for (const role of roles) if (!(ROLES as readonly string[]).includes(role)) fail(`unknown role ${role}`);
if (roles.includes('opd') && !values.opd) fail('--opd is required with --role opd');
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl must be a positive number of seconds');

const token = await mintToken(
  await devAuthJwk(config.DATA_DIR),
  { sub: values.sub ?? `dev-${roles.join('-')}${values.opd ? `-${values.opd.toLowerCase()}` : ''}`, roles, ...(values.opd ? { opd: values.opd } : {}) },
  { issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM, ttlSeconds: ttl },
);
process.stdout.write(`${token}\n`);
