import { z } from 'zod';
import { parsePgUrl, PgUrlError } from './db/hosts.ts';

// One schema for the whole environment, parsed once at start-up and passed in (never read ad hoc).
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalText = z.string().trim().min(1).optional();

const base64Secret = z
  .string()
  .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length >= 32, 'base64 of at least 32 bytes');

const isIanaZone = (zone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** A PostgreSQL URL as libpq reads it: one host, or several (`h1:5432,h2:5432`) with target_session_attrs. */
const postgresUrl = z.string().superRefine((url, ctx) => {
  try {
    const target = parsePgUrl(url);
    if (target.hosts.length > 16) ctx.addIssue({ code: 'custom', message: 'at most 16 hosts' });
  } catch (err) {
    // The URL itself is never echoed: it may hold a password.
    ctx.addIssue({ code: 'custom', message: err instanceof PgUrlError ? `not a PostgreSQL URL: ${err.message}` : 'not a PostgreSQL URL' });
  }
});

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    METRICS_PORT: port.default(9464),
    // /metrics has no auth: loopback unless the operator opens it (compose maps it to the host's loopback).
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: postgresUrl.optional(),
    MIGRATION_DATABASE_URL: postgresUrl.optional(),
    DATABASE_READ_URL: postgresUrl.optional(),
    DATA_DIR: z.string().min(1).default('./data'),
    AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    AUTH_JWKS_FILE: optionalText,
    AUTH_ISSUER: z.string().min(1).default('gerbang-dev'),
    AUTH_AUDIENCE: z.string().min(1).default('gerbang'),
    AUTH_ROLES_CLAIM: z.string().regex(/^[^.]+(\.[^.]+)*$/, 'a dot path such as realm_access.roles').default('roles'),
    AUTH_OPD_CLAIM: z.string().regex(/^[^.]+(\.[^.]+)*$/, 'a dot path such as opd').default('opd'),
    AUDIT_SIGNING_KEY_FILE: optionalText,
    LOG_SIGNING_KEY_FILE: optionalText,
    LOG_ORIGIN: z
      .string()
      .regex(/^[^\s+\u2014]+$/u, 'a schema-less URL such as gerbang.palembang.go.id/audit (no spaces, + or em dash)')
      .default('gerbang.local/audit'),
    PSEUDONYM_KEY: base64Secret.optional(),
    BPJS_PROVIDER: z.enum(['snapshot', 'http']).default('snapshot'),
    BPJS_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    BPJS_API_KEY: optionalText,
    BPJS_TIMEOUT_MS: positiveInt.default(2000),
    BPJS_DEADLINE_MS: positiveInt.default(6000),
    BPJS_BREAKER_RESET_MS: positiveInt.default(30000),
    MEMBERSHIP_MAX_AGE_HOURS: z.coerce.number().positive().default(24),
    // Which version of perwali-palembang-3-2025 new decisions are made under; stored decisions
    // keep and replay their own.
    POLICY_VERSION: z.enum(['1', '2'], { message: 'policy version 1 or 2' }).default('2').transform(Number).pipe(z.union([z.literal(1), z.literal(2)])),
    LOCAL_TIMEZONE: z.string().refine(isIanaZone, 'an IANA time zone such as Asia/Jakarta').default('Asia/Jakarta'),
    RATE_LIMIT_PER_MINUTE: positiveInt.default(1200),
    AUTH_FAILURES_PER_MINUTE: positiveInt.default(100),
    // With several replicas the rate limits must be shared: set to the Redis they all use.
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    WEBHOOK_SIGNING_KEY_FILE: optionalText,
    WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    // The daily forecast.at_risk run (2.6): when (cron, LOCAL_TIMEZONE) and how far ahead it looks.
    FORECAST_CRON: z.string().regex(/^\S+( \S+){4}$/, 'a five-field cron expression, e.g. 0 6 * * *').default('0 6 * * *'),
    FORECAST_NOTIFY_WITHIN_DAYS: z.coerce.number().int().min(0).max(366).default(30),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // The dashboard (/app): its session seal, its OIDC client, and the external base URL of redirects.
    SESSION_SECRET: base64Secret.optional(),
    DASHBOARD_CLIENT_ID: optionalText,
    DASHBOARD_CLIENT_SECRET: optionalText,
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  })
  // `when`: run even when a field already failed, so one message names every bad or missing variable.
  .superRefine((c, ctx) => {
    const need = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.DATABASE_READ_URL && !c.DATABASE_URL) need('DATABASE_READ_URL', 'needs DATABASE_URL (the embedded database has no replica)');
    if (c.AUTH_JWKS_URL && c.AUTH_JWKS_FILE) need('AUTH_JWKS_FILE', 'set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both');
    if (c.BPJS_PROVIDER === 'http') {
      if (!c.BPJS_API_URL) need('BPJS_API_URL', 'required when BPJS_PROVIDER=http');
      if (!c.BPJS_API_KEY) need('BPJS_API_KEY', 'required when BPJS_PROVIDER=http');
    }
    if (c.NODE_ENV === 'production') {
      if (!c.DATABASE_URL) need('DATABASE_URL', 'required in production (embedded PGlite is for development)');
      if (!c.AUTH_JWKS_URL && !c.AUTH_JWKS_FILE) need('AUTH_JWKS_URL', 'production needs AUTH_JWKS_URL or AUTH_JWKS_FILE');
      if (!c.AUDIT_SIGNING_KEY_FILE) need('AUDIT_SIGNING_KEY_FILE', 'required in production');
      if (!c.PSEUDONYM_KEY) need('PSEUDONYM_KEY', 'required in production');
      if (!c.LOG_SIGNING_KEY_FILE) need('LOG_SIGNING_KEY_FILE', 'required in production');
      if (!c.SESSION_SECRET) need('SESSION_SECRET', 'required in production (it seals dashboard sessions)');
      if (!c.WEBHOOK_SIGNING_KEY_FILE) need('WEBHOOK_SIGNING_KEY_FILE', 'required in production');
    }
    if (c.DASHBOARD_CLIENT_ID && !URL.canParse(c.AUTH_ISSUER)) {
      need('AUTH_ISSUER', 'the dashboard\'s OIDC sign-in (DASHBOARD_CLIENT_ID) needs AUTH_ISSUER to be the issuer URL');
    }
  }, { when: (payload) => typeof payload.value === 'object' && payload.value !== null });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment; empty strings count as unset so `FOO=` in a compose file means "default". */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  return parsed.data;
}
