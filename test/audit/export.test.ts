import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { appendAudit, appendAuditBatch } from '../../src/audit/append.ts';
import { hashEvent } from '../../src/audit/chain.ts';
import { rows } from '../../src/db/client.ts';
import { buildTestApp } from '../helpers/app.ts';
import { actor, runCli, writeTemp } from './support.ts';

type Page = { items: Array<{ seq: number; action: string; entityId: string; at: string; hash: string }>; nextCursor: string | null };

describe('audit export', async () => {
  const t = await buildTestApp();
  const inspector = await t.auth('inspector');
  // 12,345 events: more than two streaming chunks of 5,000, so chunk boundaries are crossed.
  const SEEDED = 12_345;
  for (let start = 0; start < SEEDED; start += 5_000) {
    const entries = Array.from({ length: Math.min(5_000, SEEDED - start) }, (_, i) => ({
      actor, action: (start + i) % 10 === 0 ? ('contractor.created' as const) : ('project.updated' as const),
      entityType: 'project', entityId: `p-${(start + i) % 7}`, data: { i: start + i, note: 'koma, "kutip"\nbaris' }, requestId: `r-${start + i}`,
    }));
    await t.database.db.transaction((tx) => appendAuditBatch(tx, entries, () => new Date()));
  }

  const exportedEvents = async () =>
    rows<{ seq: string; data: { format: string; range: { afterSeq: number; untilSeq: number }; count?: number; filters: Record<string, unknown> }; actor: { sub: string } }>(
      t.database.db, sql`select seq, data, actor from audit_events where action = 'audit.exported' order by seq`);

  it('pages JSON (default 50) up to the head pinned by the first page, one audit.exported per page', async () => {
    const first = await t.app.inject({ method: 'GET', url: '/v1/audit/events?afterSeq=12000', headers: inspector });
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toMatch(/application\/json/);
    const page = first.json() as Page;
    expect(page.items).toHaveLength(50);
    expect(page.items[0]?.seq).toBe(12001);
    let seen = page.items.length;
    let cursor = page.nextCursor;
    let pages = 1;
    while (cursor) {
      const res = await t.app.inject({ method: 'GET', url: `/v1/audit/events?limit=100&cursor=${cursor}`, headers: inspector });
      const next = res.json() as Page;
      seen += next.items.length;
      cursor = next.nextCursor;
      pages++;
      expect(pages).toBeLessThan(20);
    }
    // Exactly the events that existed at the first page: the pages' own audit.exported events are not in it.
    expect(seen).toBe(SEEDED - 12000);
    const exported = await exportedEvents();
    expect(exported).toHaveLength(pages);
    expect(exported[0]?.data).toMatchObject({ format: 'json', range: { afterSeq: 12000, untilSeq: SEEDED }, count: 50, filters: { afterSeq: 12000 } });
    expect(exported[0]?.actor.sub).toBe('inspector-user');
    expect(exported.every((e) => Number(e.seq) > SEEDED)).toBe(true);
  });

  it('filters by action, entityId and time, and rejects bad queries with 422', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/events?action=contractor.created&entityId=p-3&limit=500', headers: inspector });
    const page = res.json() as Page;
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((e) => e.action === 'contractor.created' && e.entityId === 'p-3')).toBe(true);

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await t.app.inject({ method: 'GET', url: `/v1/audit/events?from=${encodeURIComponent(future)}`, headers: inspector });
    expect((none.json() as Page)).toEqual({ items: [], nextCursor: null });
    const past = await t.app.inject({ method: 'GET', url: `/v1/audit/events?to=${encodeURIComponent('2000-01-01T00:00:00+07:00')}`, headers: inspector });
    expect((past.json() as Page).items).toEqual([]);

    // A date is a whole day in LOCAL_TIMEZONE (Asia/Jakarta): today's events are all in today.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(new Date());
    const day = await t.app.inject({ method: 'GET', url: `/v1/audit/events?from=${today}&to=${today}&limit=1`, headers: inspector });
    expect((day.json() as Page).items[0]?.seq).toBe(1);
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(new Date(Date.now() + 86_400_000));
    expect(((await t.app.inject({ method: 'GET', url: `/v1/audit/events?from=${tomorrow}`, headers: inspector })).json() as Page).items).toEqual([]);

    for (const q of ['from=2025-02-30', 'from=2025-01-02&to=2025-01-01', 'limit=0', 'limit=501', 'afterSeq=-1', 'action=nope', 'cursor=garbage', 'from=yesterday', `from=${future}&to=2020-01-01T00:00:00Z`]) {
      const bad = await t.app.inject({ method: 'GET', url: `/v1/audit/events?${q}`, headers: inspector });
      expect(bad.statusCode, q).toBe(422);
      expect(bad.json().code).toBe('VALIDATION_FAILED');
    }
  });

  it('streams NDJSON of the whole range, exactly as hashed, and the CLI verifies it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/events', headers: { ...inspector, accept: 'application/x-ndjson' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const until = Number(res.headers['x-audit-until-seq']);
    const lines = res.body.trimEnd().split('\n');
    expect(lines).toHaveLength(until);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((e) => e.seq)).toEqual(Array.from({ length: until }, (_, i) => i + 1));
    for (const e of [parsed[0], parsed[4999], parsed[5000], parsed[12344], parsed.at(-1)]) {
      const { hash, ...rest } = e as Record<string, unknown>;
      expect(hashEvent(rest as never)).toBe(hash);
    }
    const cli = await runCli([writeTemp(res.body), '--json']);
    expect(cli.json).toMatchObject({ ok: true, checked: until });
    const last = (await exportedEvents()).at(-1);
    expect(last?.data).toEqual({ format: 'ndjson', filters: {}, range: { afterSeq: 0, untilSeq: until } });
  });

  it('streams CSV by Accept, with JSON cells that still hash', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/events?afterSeq=12300', headers: { ...inspector, accept: 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="audit-events-12301-\d+\.csv"/);
    const records = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(records.length).toBe(Number(res.headers['x-audit-until-seq']) - 12300);
    for (const r of records) {
      const event = {
        seq: Number(r.seq), at: r.at, actor: JSON.parse(r.actor as string), action: r.action, entityType: r.entityType, entityId: r.entityId,
        data: JSON.parse(r.data as string), requestId: r.requestId === '' ? null : r.requestId, prevHash: r.prevHash,
      };
      expect(hashEvent(event as never)).toBe(r.hash);
    }
    expect((await exportedEvents()).at(-1)?.data).toMatchObject({ format: 'csv', filters: { afterSeq: 12300 } });
  });

  it('streams a filtered range and honours Accept q-values; 406 for formats it does not serve', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/audit/events?action=contractor.created', headers: { ...inspector, accept: 'text/csv;q=0.5, application/x-ndjson' } });
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { action: string });
    expect(lines).toHaveLength(Math.ceil(SEEDED / 10));
    expect(lines.every((e) => e.action === 'contractor.created')).toBe(true);

    const xml = await t.app.inject({ method: 'GET', url: '/v1/audit/events', headers: { ...inspector, accept: 'application/xml' } });
    expect(xml.statusCode).toBe(406);
    expect(xml.json().code).toBe('NOT_ACCEPTABLE');
  });

  it('exports awkward strings (quotes, commas, line breaks, backslashes, non-ASCII, emoji) so they still hash', async () => {
    const awkward = 'a "b", c\\d\ne\r\tf ü 😀 \u0001 \u2028';
    const event = await t.database.db.transaction((tx) =>
      appendAudit(tx, { actor: { sub: awkward, roles: ['admin'], opd: null }, action: 'project.updated', entityType: awkward, entityId: awkward, data: { [awkward]: awkward, n: [0.1, -2.5e-7, 1e21] }, requestId: awkward }, () => new Date()),
    );
    const nd = await t.app.inject({ method: 'GET', url: `/v1/audit/events?afterSeq=${event.seq - 1}`, headers: { ...inspector, accept: 'application/x-ndjson' } });
    const line = JSON.parse(nd.body.split('\n')[0] as string) as Record<string, unknown>;
    expect(line).toEqual(event);
    const { hash, ...rest } = line;
    expect(hashEvent(rest as never)).toBe(hash);

    const csv = await t.app.inject({ method: 'GET', url: `/v1/audit/events?afterSeq=${event.seq - 1}`, headers: { ...inspector, accept: 'text/csv' } });
    const [r] = parse(csv.body, { columns: true }) as Array<Record<string, string>>;
    expect(r).toMatchObject({ entityType: awkward, entityId: awkward, requestId: awkward, hash: event.hash });
    expect(JSON.parse(r?.data as string)).toEqual(event.data);

    const page = await t.app.inject({ method: 'GET', url: `/v1/audit/events?afterSeq=${event.seq - 1}&limit=1`, headers: inspector });
    expect((page.json() as { items: unknown[] }).items[0]).toEqual(event);
  });

  it('is for inspector and admin only', async () => {
    for (const role of ['finance', 'opd'] as const) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/audit/events', headers: { ...(await t.auth(role)), accept: 'application/x-ndjson' } });
      expect(res.statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/events' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/events?limit=1', headers: await t.auth('admin') })).statusCode).toBe(200);
  });
});
