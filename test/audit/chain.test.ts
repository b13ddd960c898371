import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/append.ts';
import { eventLeafHash, GENESIS_HASH, hashEvent } from '../../src/audit/chain.ts';
import { rows } from '../../src/db/client.ts';
import { buildTestApp } from '../helpers/app.ts';
import { actor, exportNdjson, runCli, verifyEndpoint, writeTemp } from './support.ts';

describe('audit chain: appending under concurrency', async () => {
  const t = await buildTestApp();

  it('starts empty and verifies', async () => {
    const v = await verifyEndpoint(t);
    expect(v).toMatchObject({ ok: true, checked: 0, headSeq: 0, headHash: GENESIS_HASH });
  });

  it('a concurrent burst of 220 changes leaves one gap-free chain that verifies', async () => {
    const admin = await t.auth('admin');
    // 100 real changes through the API and 100 direct appends, all at once, over a 10-connection pool.
    const viaApi = Array.from({ length: 100 }, (_, i) =>
      t.app.inject({ method: 'POST', url: '/v1/opds', headers: admin, payload: { code: `BURST_${i}`, name: `Dinas Uji ${i}` } }),
    );
    const direct = Array.from({ length: 100 }, (_, i) =>
      t.database.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_sleep(${(i % 5) / 1000})`); // interleave with the API's transactions
        return appendAudit(tx, { actor, action: 'project.updated', entityType: 'project', entityId: `p-${i}`, data: { i }, requestId: `burst-${i}` }, () => new Date());
      }),
    );
    // The hot path's shape: a change that locks a row, then the append (which locks the head).
    const lockedInStatement = Array.from({ length: 20 }, (_, i) =>
      t.database.db.transaction(async (tx) => {
        await tx.execute(sql`update opds set name = name where code = 'DPUPR'`);
        return appendAudit(tx, { actor, action: 'project.updated', entityType: 'project', entityId: `locked-${i}`, data: { i }, requestId: null }, () => new Date());
      }),
    );
    // A rolled-back append must leave no trace (no gap, no fork).
    const rolledBack = t.database.db
      .transaction(async (tx) => {
        await appendAudit(tx, { actor, action: 'project.updated', entityType: 'project', entityId: 'rollback', data: {}, requestId: null }, () => new Date());
        throw new Error('abort');
      })
      .catch(() => 'rolled back');
    const results = await Promise.all([...viaApi, ...direct, ...lockedInStatement, rolledBack]);
    expect(results.slice(0, 100).every((r) => (r as { statusCode: number }).statusCode === 201)).toBe(true);

    const stored = await rows<{ seq: string; prev_hash: string; hash: string; entity_id: string }>(t.database.db, sql`select seq, prev_hash, hash, entity_id from audit_events order by seq`);
    expect(stored).toHaveLength(220);
    expect(stored.map((r) => Number(r.seq))).toEqual(Array.from({ length: 220 }, (_, i) => i + 1));
    expect(stored.some((r) => r.entity_id === 'rollback')).toBe(false);
    stored.forEach((r, i) => expect(r.prev_hash).toBe(i === 0 ? GENESIS_HASH : stored[i - 1]?.hash));
    expect(new Set(stored.map((r) => r.prev_hash)).size).toBe(220); // no two events claim the same predecessor

    const v = await verifyEndpoint(t);
    expect(v).toMatchObject({ ok: true, checked: 220, toSeq: 220, headSeq: 220, headHash: stored[219]?.hash, toHash: stored[219]?.hash });
    const cli = await runCli([writeTemp(await exportNdjson(t)), '--json']);
    expect(cli.code).toBe(0);
    expect(cli.json).toMatchObject({ ok: true, checked: 220, lastSeq: 220 });
  });

  it('hashes in the database exactly what the application would: awkward data, leaf included', async () => {
    // The append hashes under the head's lock in PostgreSQL (migration 0027) from text made here:
    // these values are where the two could part (escapes, non-ASCII, a nested requestId key, a
    // quote-laden requestId, key order, numbers).
    const awkward = [
      { data: { requestId: 'nested "quote" ,"requestId":x', zeta: 1, alpha: [1.5, -0, 1e21, 'Ä'] }, requestId: '","requestId":"evil' },
      { data: { note: 'Budi Santoso — Jl. Sudirman №1, Palembang 🏗️', tab: '\t\n\u0001', '': null, é: true }, requestId: null },
      { data: {}, requestId: '' },
    ];
    for (const [i, a] of awkward.entries()) {
      const event = await t.database.db.transaction((tx) =>
        appendAudit(tx, { actor, action: 'project.updated', entityType: 'project', entityId: `awkward-${i}`, data: a.data, requestId: a.requestId }, () => new Date()));
      const { hash, ...unhashed } = event;
      expect(hash).toBe(hashEvent(unhashed));
      const [leaf] = await rows<{ leaf: Uint8Array }>(t.database.db, sql`
        select substring(hashes from 1 for 32) as leaf from audit_tree where leaf_index = ${event.seq - 1}`);
      expect(Buffer.from(leaf?.leaf ?? []).toString('hex')).toBe(eventLeafHash(event).toString('hex'));
    }
    expect(await verifyEndpoint(t)).toMatchObject({ ok: true });
  });

  it('hashes exactly what it exports: SHA-256 of the canonical JSON of each line without hash', async () => {
    const lines = (await exportNdjson(t)).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(220);
    for (const event of lines) {
      expect(Object.keys(event)).toEqual(['seq', 'at', 'actor', 'action', 'entityType', 'entityId', 'data', 'requestId', 'prevHash', 'hash']);
      expect(event.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const { hash, ...rest } = event;
      expect(hashEvent(rest as never)).toBe(hash);
    }
  });

  it('verifies a sub-range, linking its first event to the one before', async () => {
    const v = await verifyEndpoint(t, '?fromSeq=50&toSeq=60');
    expect(v).toMatchObject({ ok: true, checked: 11, fromSeq: 50, toSeq: 60 });
    const beyond = await verifyEndpoint(t, '?fromSeq=190&toSeq=100000');
    expect(beyond.ok).toBe(true);
    expect(beyond.toSeq).toBe(beyond.headSeq);
  });

  it('answers 422 for a reversed or non-numeric range', async () => {
    const headers = await t.auth('admin');
    for (const q of ['?fromSeq=10&toSeq=5', '?fromSeq=0', '?toSeq=abc']) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/audit/verify${q}`, headers });
      expect(res.statusCode, q).toBe(422);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
  });

  it('lets only inspector and admin verify (403 others, 401 without a token)', async () => {
    for (const role of ['finance', 'opd'] as const) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: await t.auth(role) });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/verify' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: await t.auth('admin') })).statusCode).toBe(200);
  });
});
