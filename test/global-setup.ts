import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migratePostgres } from '../src/db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

const LOCAL_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Test database discovery: TEST_DATABASE_URL, then PostgreSQL on 127.0.0.1:5432, then testcontainers. */
async function discover(): Promise<{ url: string; stop?: () => Promise<void> }> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    if (await reachable(given)) return { url: given };
    throw new Error(`TEST_DATABASE_URL=${given.replace(/:[^:@/]*@/, ':***@')} is not reachable.`);
  }
  if (await reachable(LOCAL_URL)) return { url: LOCAL_URL };
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return { url: container.getConnectionUri(), stop: async () => void (await container.stop()) };
  } catch (err) {
    throw new Error(
      [
        'No PostgreSQL for the tests. Any one of these works:',
        '  - set TEST_DATABASE_URL=postgresql://user:pass@host:5432/db (a role allowed to CREATE DATABASE),',
        '  - run PostgreSQL on 127.0.0.1:5432 with trust auth for user postgres, or `docker compose up -d db` and',
        '    TEST_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5433/postgres,',
        '  - start a Docker engine, so testcontainers can run postgres:16-alpine.',
        `(testcontainers said: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      ].join('\n'),
    );
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const { url, stop } = await discover();
  const template = `gerbang_tpl_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database ${template}`);
  await migratePostgres(withDatabase(url, template));
  project.provide('adminUrl', url);
  project.provide('templateDatabase', template);

  return async () => {
    await admin.query(`drop database if exists ${template} with (force)`);
    await admin.end();
    await stop?.();
  };
}
