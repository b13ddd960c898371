import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.ts';
import type { Db } from '../../src/db/client.ts';
import * as schema from '../../src/db/schema/index.ts';
import { buildTestApp } from '../helpers/app.ts';
import { testDatabaseUrl } from '../helpers/database.ts';
import { actor, appendEvents, superuser, verifyEndpoint } from './support.ts';

const APPEND_ONLY = /audit_events is append-only: (UPDATE|DELETE|TRUNCATE) is not allowed/;

describe('audit_events is append-only in the database', async () => {
  const t = await buildTestApp();
  await appendEvents(t, 3);
  const owner = await superuser(); // the postgres superuser that owns the tables (no replica mode)

  // The least-privilege role the service runs as, through a session that assumed it.
  const app = new pg.Client({ connectionString: await testDatabaseUrl() });
  await app.connect();
  await app.query('set role gerbang_app');
  afterAll(() => app.end());

  const failure = async (client: pg.Client, text: string): Promise<{ code?: string; message: string }> => {
    try {
      await client.query(text);
    } catch (err) {
      return err as { code?: string; message: string };
    }
    throw new Error(`${text} succeeded`);
  };

  it.each([
    ['UPDATE', `update audit_events set data = '{}' where seq = 1`],
    ['DELETE', 'delete from audit_events where seq = 1'],
    ['TRUNCATE', 'truncate audit_events'],
  ])('refuses %s even for the owner, with a clear message', async (_op, text) => {
    const err = await failure(owner, text);
    expect(err.message).toMatch(APPEND_ONLY);
    expect(err.code).toBe('23514');
  });

  it.each([
    ['UPDATE', `update audit_events set data = '{}' where seq = 1`],
    ['DELETE', 'delete from audit_events where seq = 1'],
    ['TRUNCATE', 'truncate audit_events'],
    ['UPDATE on decisions', `update disbursements set decision = 'APPROVED'`],
    ['DELETE on voids', 'delete from disbursement_voids'],
  ])('refuses %s for the application role gerbang_app (no such privilege)', async (_op, text) => {
    const err = await failure(app, text);
    expect(err.code).toBe('42501');
    expect(err.message).toMatch(/permission denied/);
  });

  it('lets gerbang_app append through appendAudit (the only write it needs), and the chain verifies', async () => {
    const db = drizzle({ client: app, schema }) as unknown as Db;
    const event = await db.transaction((tx) =>
      appendAudit(tx, { actor, action: 'project.updated', entityType: 'project', entityId: 'as-app', data: { ok: true }, requestId: null }, () => new Date()),
    );
    expect(event.seq).toBe(4);
    // The head row must be movable by the app; verification compares it with the last event.
    await expect(app.query('update audit_head set seq = seq')).resolves.toBeDefined();
    expect((await failure(app, 'delete from audit_head')).code).toBe('42501');
    expect((await verifyEndpoint(t)).ok).toBe(true);
  });

  it('keeps all rows after the refused changes', async () => {
    const { rows } = await owner.query('select count(*)::int as n from audit_events');
    expect(rows[0].n).toBe(4);
  });
});
