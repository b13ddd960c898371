import { randomBytes } from 'node:crypto';
import { generateKeyPair, exportJWK, createLocalJWKSet } from 'jose';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import type { Database } from './db/client.ts';
import { newLogSigningKey, signingKeyFromJwk } from './keys.ts';
import pino from 'pino';

/** Builds the app without a database (no route runs) and renders its OpenAPI document as text. */
export async function renderOpenApi(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const auditSigningKey = await signingKeyFromJwk({ ...(await exportJWK(privateKey)), kid: 'openapi' });
  const refuse = () => {
    throw new Error('no database while rendering the OpenAPI document');
  };
  const unusedDatabase: Database = { kind: 'pg', db: new Proxy({}, { get: refuse }) as Database['db'], ping: refuse, close: async () => {},
    reader: refuse, status: refuse, readStatus: refuse };
  const app = await buildApp({
    config: loadConfig({}),
    database: unusedDatabase,
    keys: { authKeys: createLocalJWKSet({ keys: [] }), auditSigningKey, auditPublicKeys: [auditSigningKey.publicJwk], pseudonymKey: randomBytes(32), logSigningKey: await newLogSigningKey('openapi') },
    logger: pino({ level: 'silent' }),
    webhooks: false,
  });
  await app.ready();
  const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return text;
}
