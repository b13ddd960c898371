// Finding 4: reads that show personal data are recorded in an access log (apart from the hash
// chain), written within 5 s, holding no NIK or name, readable by inspector and admin.
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { clock, decisionBody, insertCoveredWorker, insertProject } from '../disbursements/fixtures.ts';

interface Entry { id: number; at: string; actor: { sub: string; roles: string[]; opd: string | null }; route: string; count: number; requestId: string | null }

describe('the access log of personal-data reads', async () => {
  const t = await buildTestApp({ clock });
  const admin = await t.auth('admin');
  const project = await insertProject(t.database);
  const one = await insertCoveredWorker(t.database, project, { name: 'Dewi Lestari' });
  const two = await insertCoveredWorker(t.database, project, { name: 'Budi Santoso' });

  const entries = async (query: string): Promise<Entry[]> => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/audit/access${query}`, headers: await t.auth('inspector') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items;
  };
  /** Entries are written in batches: wait (at most 5 s, as the contract promises) for `n` of them. */
  async function waitFor(query: string, n: number): Promise<Entry[]> {
    const until = Date.now() + 5_000;
    for (;;) {
      const found = await entries(query);
      if (found.length >= n || Date.now() > until) return found;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('records roster lists, membership searches and decision evidence with full NIKs, without NIKs or names', async () => {
    const sub = 'opd-reader-1';
    const opd = await t.auth('opd', { opd: 'DPUPR', sub });
    const roster = await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/workers`, headers: { ...opd, 'x-request-id': 'read-roster-1' } });
    expect(roster.statusCode).toBe(200);
    const search = await t.app.inject({ method: 'POST', url: '/v1/memberships/search', headers: { ...admin, 'x-request-id': 'read-search-1' }, payload: { niks: [one.nik, two.nik] } });
    expect(search.statusCode).toBe(200);
    const decided = await t.app.inject({ method: 'POST', url: '/v1/disbursements', headers: { ...(await t.auth('finance')), 'idempotency-key': 'acc-1' }, payload: decisionBody(project) });
    const evidence = await t.app.inject({ method: 'GET', url: `/v1/disbursements/${decided.json().id}`, headers: { ...opd, 'x-request-id': 'read-evidence-1' } });
    expect(evidence.statusCode).toBe(200);
    // Finance's masked view of the same decision shows no personal data: not recorded.
    await t.app.inject({ method: 'GET', url: `/v1/disbursements/${decided.json().id}`, headers: await t.auth('finance') });

    const mine = await waitFor(`?sub=${sub}`, 2);
    expect(mine.map((e) => [e.route, e.count, e.requestId])).toEqual([
      ['GET /v1/projects/:id/workers', 2, 'read-roster-1'],
      ['GET /v1/disbursements/:id', 2, 'read-evidence-1'],
    ]);
    expect(mine[0]?.actor).toEqual({ sub, roles: ['opd'], opd: 'DPUPR' });
    const searches = await waitFor('?sub=admin-user', 1);
    expect(searches.map((e) => [e.route, e.count])).toContainEqual(['POST /v1/memberships/search', 2]);
    expect(await entries('?sub=finance-user')).toEqual([]);

    const all = await t.app.inject({ method: 'GET', url: '/v1/audit/access?limit=500', headers: admin });
    for (const text of [one.nik, two.nik, 'Dewi Lestari', 'Budi Santoso']) expect(all.body).not.toContain(text);
    // Apart from the chain: no audit event was appended for these reads.
    const chain = await t.app.inject({ method: 'GET', url: '/v1/audit/events?limit=500', headers: admin });
    expect(chain.body).not.toContain('read-roster-1');
  });

  it('filters by time and pages with a cursor', async () => {
    const sub = 'opd-pager';
    const opd = await t.auth('opd', { opd: 'DPUPR', sub });
    for (let i = 0; i < 5; i++) await t.app.inject({ method: 'GET', url: `/v1/projects/${project.id}/workers`, headers: opd });
    const all = await waitFor(`?sub=${sub}`, 5);
    expect(all).toHaveLength(5);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/audit/access?sub=${sub}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: { items: Entry[]; nextCursor: string | null } = (await t.app.inject({ method: 'GET', url, headers: admin })).json();
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
    const from = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    expect(await entries(`?sub=${sub}&from=${from}`)).toEqual([]);
    expect(await entries(`?sub=${sub}&to=2199-12-31`)).toHaveLength(5);
  });

  it('is for inspector and admin only', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/access', headers: await t.auth('finance') })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/access', headers: await t.auth('opd') })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/access' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/access?from=0000-01-01', headers: admin })).statusCode).toBe(422);
  });
});
