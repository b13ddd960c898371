// Prints a development access token: npm run token -- --role opd --opd DPUPR [--sub name] [--ttl 3600]
import { parseArgs } from 'node:util';
import { mintToken } from '../auth-tokens.ts';
import { loadConfig } from '../config.ts';
import { ROLES } from '../http/auth.ts';
import { devAuthJwk } from '../keys.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string', multiple: true },
    opd: { type: 'string' },
    sub: { type: 'string' },
    ttl: { type: 'string', default: '3600' },
  },
});

const fail = (message: string): never => {
  process.stderr.write(`${message}\nusage: npm run token -- --role <${ROLES.join('|')}> [--opd DPUPR] [--sub name] [--ttl seconds]\n`);
  process.exit(2);
};

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
