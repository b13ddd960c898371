import pino from 'pino';
import { afterAll } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { mintToken, type TokenClaims } from '../../src/auth-tokens.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { openPostgres, type Database } from '../../src/db/client.ts';
import type { Role } from '../../src/http/auth.ts';
import type { LimitSettings } from '../../src/http/limits.ts';
import type { MembershipProvider } from '../../src/memberships/provider.ts';
import type { WebhookOptions } from '../../src/webhooks/runtime.ts';
import { makeTestKeys, type TestKeys } from './keys.ts';
import { testDatabaseUrl } from './database.ts';

export interface TestApp {
  app: App;
  database: Database;
  config: Config;
  testKeys: TestKeys;
  /** A bearer token for the role (opd defaults to DPUPR); `sub` defaults to `<role>-user`. */
  token(role: Role, options?: { opd?: string; sub?: string }): Promise<string>;
  /** Authorization header object, ready for app.inject. */
  auth(role: Role, options?: { opd?: string; sub?: string }): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: () => Date;
  provider?: MembershipProvider;
  /** Reuse keys (e.g. to build a second app on the same database). */
  testKeys?: TestKeys;
  /** Limit settings beyond the environment's (smaller budgets, a Redis key prefix of the test's own). */
  limits?: Partial<LimitSettings>;
  /** Webhook delivery in this app (default: the outbox only, no delivery worker). */
  webhooks?: WebhookOptions;
  /** A database of the test's own making (already migrated) instead of this file's clone of the template. */
  databaseUrl?: string;
}

/**
 * Limits for test apps: eight people's suites share a 2-core machine, where the event loop's mean
 * delay passes the production shedding threshold (1 s) often enough to turn ordinary answers into
 * 503 OVERLOADED. 0 turns the check off: any finite threshold still sheds, because
 * @fastify/under-pressure reads a sample interval without a single loop tick (the loop blocked for
 * all of it, e.g. by a 10,000-worker roster on a loaded machine) as an Infinite delay. Shedding
 * itself is tested in limits.test.ts with its own settings.
 */
export const busyMachineLimits = { maxEventLoopDelayMs: 0 };

/** Builds the real app against this test file's own PostgreSQL database; closed after the file. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const url = options.databaseUrl ?? (await testDatabaseUrl());
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, LOG_LEVEL: 'silent', ...options.env });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const database = await openPostgres({ url, logger, max: 10 });
  const testKeys = options.testKeys ?? (await makeTestKeys());
  const app = await buildApp({
    config,
    database,
    keys: testKeys.keys,
    logger,
    limits: busyMachineLimits,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.provider ? { provider: options.provider } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
  });
  await app.ready();
  const token = (role: Role, o: { opd?: string; sub?: string } = {}) => {
    const claims: TokenClaims = { sub: o.sub ?? `${role}-user`, roles: [role], ...(role === 'opd' ? { opd: o.opd ?? 'DPUPR' } : {}) };
    return mintToken(testKeys.idpJwk, claims, {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      rolesClaim: config.AUTH_ROLES_CLAIM,
      opdClaim: config.AUTH_OPD_CLAIM,
    });
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await app.close();
    await database.close();
  };
  afterAll(close);
  return {
    app,
    database,
    config,
    testKeys,
    token,
    auth: async (role, o) => ({ authorization: `Bearer ${await token(role, o)}` }),
    close,
  };
}
