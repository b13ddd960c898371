import { describe, expect, it } from 'vitest';
import { buildTestApp } from './helpers/app.ts';
import { buildPgliteApp, insertProject, kpj, nik, query } from './helpers/fixtures.ts';

// 10:00 in Jakarta on 15 June 2025: "today" for the roster is 2025-06-15.
const NOW = new Date('2025-06-15T03:00:00Z');
const TODAY = '2025-06-15';

const worker = (n: number, over: Record<string, unknown> = {}) => ({
  nik: nik(n), name: `Pekerja ${n}`, kpj: kpj(n), role: 'TUKANG', startDate: '2025-02-01', ...over,
});

describe('roster', async () => {
  const t = await buildTestApp({ clock: () => NOW });
  // The field messages asserted below are the English ones (Bahasa Indonesia is the default: test/validation-messages.test.ts).
  const admin = { ...(await t.auth('admin')), 'accept-language': 'en' };
  const dpupr = await t.auth('opd', { opd: 'DPUPR' });

  const put = async (projectId: string, payload: unknown, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers`, headers, payload: payload as object });
  const putCsv = async (projectId: string, csv: string, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers`, headers: { ...headers, 'content-type': 'text/csv; charset=utf-8' }, payload: csv });
  const list = async (projectId: string, includeEnded = false, headers: Record<string, string> = admin) =>
    t.app.inject({ method: 'GET', url: `/v1/projects/${projectId}/workers${includeEnded ? '?includeEnded=true' : ''}`, headers });
  const history = (assignmentId: string) =>
    query<{ change: string; snapshot: Record<string, unknown> }>(t.database, `select change, snapshot from assignment_history where assignment_id = '${assignmentId}' order by id`);

  it('replaces the roster from JSON: adds, updates, ends and keeps history', async () => {
    const projectId = await insertProject(t.database);
    const first = await put(projectId, { workers: [worker(1), worker(2), worker(3, { kpj: null, endDate: '2025-06-01' })] }, dpupr);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ added: 3, removed: 0, updated: 0, unchanged: 0, total: 3 });

    const second = await put(projectId, { workers: [worker(1), worker(2, { name: 'Pekerja Dua', role: 'MANDOR' }), worker(4)] });
    expect(second.json()).toEqual({ added: 1, removed: 1, updated: 1, unchanged: 1, total: 3 });

    const active = (await list(projectId)).json().items;
    expect(active.map((w: { nik: string }) => w.nik).sort()).toEqual([nik(1), nik(2), nik(4)].sort());
    const two = active.find((w: { nik: string }) => w.nik === nik(2));
    expect(two).toMatchObject({ name: 'Pekerja Dua', role: 'MANDOR', kpj: kpj(2), startDate: '2025-02-01', endDate: null, removedAt: null, membership: null });

    const all = (await list(projectId, true)).json().items;
    expect(all).toHaveLength(4);
    const three = all.find((w: { nik: string }) => w.nik === nik(3));
    // Its planned end (1 June) was before today, so it stays; removedAt records when it left.
    expect(three).toMatchObject({ endDate: '2025-06-01', kpj: null, removedAt: NOW.toISOString() });
    expect((await history(two.assignmentId)).map((h) => h.change)).toEqual(['ADDED', 'UPDATED']);
    expect((await history(two.assignmentId))[1]?.snapshot).toMatchObject({ name: 'Pekerja Dua', role: 'MANDOR' });
    expect((await history(three.assignmentId)).map((h) => h.change)).toEqual(['ADDED', 'ENDED']);

    // A third replacement without worker 4 ends it today (it had no end date).
    await put(projectId, { workers: [worker(1), worker(2, { name: 'Pekerja Dua', role: 'MANDOR' })] });
    const four = (await list(projectId, true)).json().items.find((w: { nik: string }) => w.nik === nik(4));
    expect(four).toMatchObject({ endDate: TODAY, removedAt: NOW.toISOString() });
  });

  it('writes one roster.replaced audit event with counts and pseudonyms, never NIKs or names', async () => {
    const projectId = await insertProject(t.database);
    await put(projectId, { workers: [worker(11), worker(12)] });
    const [event] = await query<{ data: string; actor: string }>(t.database,
      `select data::text, actor::text from audit_events where action = 'roster.replaced' and entity_id = '${projectId}'`);
    expect(event).toBeDefined();
    const data = JSON.parse(event?.data ?? '{}');
    expect(data).toMatchObject({ added: 2, removed: 0, updated: 0, unchanged: 0, total: 2 });
    expect(data.workers.added).toHaveLength(2);
    for (const p of data.workers.added) expect(p).toMatch(/^[0-9a-f]{64}$/);
    expect(event?.data).not.toContain(nik(11));
    expect(event?.data).not.toContain('Pekerja');
  });

  it('replaces the roster from CSV (any column order, empty kpj and endDate) with the same rules', async () => {
    const projectId = await insertProject(t.database);
    const csv = [
      'role,nik,name,kpj,startDate,endDate',
      `TUKANG,${nik(21)},"Budi, S.",${kpj(21)},2025-03-01,`,
      `MANDOR,${nik(22)},Siti,,2025-03-01,2025-09-30`,
      '',
    ].join('\r\n');
    const res = await putCsv(projectId, csv);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ added: 2, removed: 0, updated: 0, unchanged: 0, total: 2 });
    const again = await putCsv(projectId, `nik,name,kpj,role,startDate,endDate\n${nik(22)},Siti,${kpj(22)},MANDOR,2025-03-01,2025-09-30\n`);
    expect(again.json()).toEqual({ added: 0, removed: 1, updated: 1, unchanged: 0, total: 1 });
    const items = (await list(projectId, true)).json().items;
    expect(items.find((w: { nik: string }) => w.nik === nik(21))).toMatchObject({ name: 'Budi, S.', endDate: TODAY });
    expect(items.find((w: { nik: string }) => w.nik === nik(22))).toMatchObject({ kpj: kpj(22), endDate: '2025-09-30', removedAt: null });
  });

  it('refuses a CSV with bad rows, listing every one by line, and changes nothing', async () => {
    const projectId = await insertProject(t.database);
    await put(projectId, { workers: [worker(31)] });
    const csv = [
      'nik,name,kpj,role,startDate,endDate',
      `${nik(32)},Good,${kpj(32)},TUKANG,2025-03-01,`,
      `1671011205900000,Bad serial,${kpj(33)},TUKANG,2025-03-01,`,
      `${nik(34)},Ends early,,TUKANG,2025-03-01,2025-02-01`,
      `${nik(32)},Duplicate,,TUKANG,2025-03-01,`,
      `${nik(35)},Too few fields,TUKANG`,
      `${nik(36)},,123,${'x'.repeat(101)},2025-02-30,`,
    ].join('\n');
    const res = await putCsv(projectId, csv);
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body.code).toBe('VALIDATION_FAILED');
    const lines = body.errors.map((e: { line: number }) => e.line);
    expect(new Set(lines)).toEqual(new Set([3, 4, 5, 6, 7]));
    expect(body.errors).toEqual(expect.arrayContaining([
      expect.objectContaining({ line: 3, path: 'nik' }),
      expect.objectContaining({ line: 4, path: 'endDate' }),
      expect.objectContaining({ line: 5, path: 'nik' }),
      expect.objectContaining({ line: 7, path: 'name' }),
      expect.objectContaining({ line: 7, path: 'kpj' }),
      expect.objectContaining({ line: 7, path: 'role' }),
      expect.objectContaining({ line: 7, path: 'startDate' }),
    ]));
    const items = (await list(projectId, true)).json().items;
    expect(items.map((w: { nik: string }) => w.nik)).toEqual([nik(31)]);
  });

  it('refuses bad JSON rows by path, unknown fields included, and changes nothing', async () => {
    const projectId = await insertProject(t.database);
    const res = await put(projectId, { workers: [worker(41), worker(42, { nik: '12345' }), worker(43, { extra: true }), worker(41)] });
    expect(res.statusCode).toBe(422);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['workers.1.nik', 'workers.2', 'workers.3.nik']));
    expect((await list(projectId)).json().items).toEqual([]);
    const unknownTop = await put(projectId, { workers: [], other: 1 });
    expect(unknownTop.statusCode).toBe(422);
    expect(unknownTop.json().errors).toEqual([{ path: 'other', message: 'unknown field' }]);
  });

  it('answers header problems with 422 on line 1 and unparseable CSV with 400', async () => {
    const projectId = await insertProject(t.database);
    const header = await putCsv(projectId, `nik,name,role,startDate,endDate,colour\n${nik(1)},A,TUKANG,2025-01-01,,red\n`);
    expect(header.statusCode).toBe(422);
    expect(header.json().errors).toEqual([expect.objectContaining({ line: 1, path: 'header' })]);
    expect(header.json().errors[0].message).toMatch(/missing column\(s\): kpj.*unknown column\(s\): colour/);
    const broken = await putCsv(projectId, `nik,name,kpj,role,startDate,endDate\n${nik(1)},"unclosed,,TUKANG,2025-01-01,\n`);
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('MALFORMED_BODY');
    const ndjson = await t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers`, headers: { ...admin, 'content-type': 'application/x-ndjson' }, payload: '{}\n' });
    expect(ndjson.statusCode).toBe(415);
    const text = await t.app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/workers`, headers: { ...admin, 'content-type': 'text/plain' }, payload: 'x' });
    expect(text.statusCode).toBe(415);
  });

  it('streams a CSV beyond the 8 MiB JSON limit (refused for holding over 10,000 workers, not for its size)', async () => {
    const projectId = await insertProject(t.database);
    const rows = Array.from({ length: 30_000 }, (_, i) => `${nik(20_000 + i)},${'N'.repeat(180)},${kpj(i)},${'R'.repeat(100)},2025-02-01,`);
    const csv = `nik,name,kpj,role,startDate,endDate\n${rows.join('\n')}\n`;
    expect(csv.length).toBeGreaterThan(8 * 1024 * 1024);
    const res = await putCsv(projectId, csv);
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ path: 'body', message: '30000 workers: a roster holds at most 10000' }]);
  });

  it('takes 10,000 workers quickly and refuses 10,001', async () => {
    const projectId = await insertProject(t.database);
    const many = Array.from({ length: 10_000 }, (_, i) => worker(1000 + i));
    const started = performance.now();
    const res = await put(projectId, { workers: many });
    const firstMs = performance.now() - started;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ added: 10_000, removed: 0, updated: 0, unchanged: 0, total: 10_000 });
    const again = await put(projectId, { workers: many.map((w, i) => (i < 100 ? { ...w, role: 'MANDOR' } : w)) });
    expect(again.json()).toEqual({ added: 0, removed: 0, updated: 100, unchanged: 9_900, total: 10_000 });
    expect(firstMs).toBeLessThan(10_000);

    const tooMany = await put(projectId, { workers: [...many, worker(99_999)] });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().errors).toEqual([expect.objectContaining({ path: 'workers', message: expect.stringMatching(/10001 workers/) })]);
    expect((await list(projectId)).json().items).toHaveLength(10_000);
    expect((await list(projectId)).json().items.filter((w: { role: string }) => w.role === 'MANDOR')).toHaveLength(100);
  });

  it('adds one worker (201), refuses the same NIK while active (409), and ends one (today, history kept)', async () => {
    const projectId = await insertProject(t.database);
    const url = `/v1/projects/${projectId}/workers`;
    const added = await t.app.inject({ method: 'POST', url, headers: dpupr, payload: worker(51) });
    expect(added.statusCode).toBe(201);
    const created = added.json();
    expect(created).toMatchObject({ nik: nik(51), name: 'Pekerja 51', kpj: kpj(51), role: 'TUKANG', startDate: '2025-02-01', endDate: null, membership: null });
    expect(created.assignmentId).toMatch(/^[0-9a-f-]{36}$/);
    const dup = await t.app.inject({ method: 'POST', url, headers: dpupr, payload: worker(51, { name: 'Other' }) });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('WORKER_ALREADY_ON_ROSTER');

    const ended = await t.app.inject({ method: 'DELETE', url: `${url}/${created.assignmentId}`, headers: dpupr });
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toMatchObject({ assignmentId: created.assignmentId, endDate: TODAY, removedAt: NOW.toISOString() });
    expect((await list(projectId)).json().items).toEqual([]);
    expect((await list(projectId, true)).json().items).toHaveLength(1);
    expect((await history(created.assignmentId)).map((h) => h.change)).toEqual(['ADDED', 'ENDED']);
    const again = await t.app.inject({ method: 'DELETE', url: `${url}/${created.assignmentId}`, headers: dpupr });
    expect(again.statusCode).toBe(404);
    const unknown = await t.app.inject({ method: 'DELETE', url: `${url}/00000000-0000-4000-8000-000000000000`, headers: dpupr });
    expect(unknown.statusCode).toBe(404);
    // After ending, the same NIK may join again as a new assignment.
    const rejoin = await t.app.inject({ method: 'POST', url, headers: dpupr, payload: worker(51) });
    expect(rejoin.statusCode).toBe(201);
    expect(rejoin.json().assignmentId).not.toBe(created.assignmentId);

    const events = await query<{ action: string; entity_id: string; data: string }>(t.database,
      `select action, entity_id, data::text from audit_events where entity_id = '${created.assignmentId}' order by seq`);
    expect(events.map((e) => e.action)).toEqual(['roster.worker_added', 'roster.worker_ended']);
    for (const e of events) {
      expect(e.data).not.toContain(nik(51));
      expect(JSON.parse(e.data).worker).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('shows the stored membership of each worker', async () => {
    const projectId = await insertProject(t.database);
    await put(projectId, { workers: [worker(61), worker(62)] });
    await query(t.database, `insert into memberships (nik, kpj, name, status, programs, coverage_start, coverage_end, segment, project_number, as_of, source)
      values ('${nik(61)}', '${kpj(61)}', 'Pekerja 61', 'ACTIVE', '{JKK,JKM}', '2025-01-01', '2025-12-31', 'JAKON', '123456', '2025-06-14T00:00:00Z', 'import')`);
    const items = (await list(projectId)).json().items;
    expect(items.find((w: { nik: string }) => w.nik === nik(61)).membership).toMatchObject({
      nik: nik(61), found: true, kpj: kpj(61), status: 'ACTIVE', programs: ['JKK', 'JKM'], coverageStart: '2025-01-01',
      coverageEnd: '2025-12-31', segment: 'JAKON', projectNumber: '123456', employerNpp: null, asOf: '2025-06-14T00:00:00.000Z', source: 'import',
    });
    expect(items.find((w: { nik: string }) => w.nik === nik(62)).membership).toBeNull();
  });

  it('scopes rosters: another OPD gets 404, finance 403, inspector reads only, no token 401', async () => {
    const projectId = await insertProject(t.database, { opdCode: 'DPUPR' });
    await put(projectId, { workers: [worker(71)] });
    const perkim = await t.auth('opd', { opd: 'PERKIM' });
    expect((await list(projectId, false, perkim)).statusCode).toBe(404);
    expect((await put(projectId, { workers: [] }, perkim)).statusCode).toBe(404);
    expect((await putCsv(projectId, 'nik,name,kpj,role,startDate,endDate\n', perkim)).statusCode).toBe(404);
    const post = await t.app.inject({ method: 'POST', url: `/v1/projects/${projectId}/workers`, headers: perkim, payload: worker(72) });
    expect(post.statusCode).toBe(404);
    const [row] = (await list(projectId)).json().items;
    const del = await t.app.inject({ method: 'DELETE', url: `/v1/projects/${projectId}/workers/${row.assignmentId}`, headers: perkim });
    expect(del.statusCode).toBe(404);

    expect((await list(projectId, false, await t.auth('finance'))).statusCode).toBe(403);
    const inspector = await t.auth('inspector');
    expect((await list(projectId, false, inspector)).statusCode).toBe(200);
    expect((await put(projectId, { workers: [] }, inspector)).statusCode).toBe(403);
    expect((await list(projectId, false, dpupr)).json().items).toHaveLength(1);
    expect((await list(projectId, false, {})).statusCode).toBe(401);
    expect((await list('00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const badId = await put('not-a-uuid', { workers: [] });
    expect(badId.statusCode).toBe(422);
    expect(badId.json().errors).toEqual([expect.objectContaining({ path: 'params.id' })]);
    expect((await list(projectId)).json().items).toHaveLength(1);
  });
});

describe('roster on embedded PGlite', () => {
  it('replaces, adds and ends workers with the same SQL', async () => {
    const p = await buildPgliteApp();
    try {
      const headers = await p.auth('admin');
      const projectId = await insertProject(p.database);
      const url = `/v1/projects/${projectId}/workers`;
      const first = await p.app.inject({ method: 'PUT', url, headers, payload: { workers: [worker(1), worker(2)] } });
      expect(first.json()).toEqual({ added: 2, removed: 0, updated: 0, unchanged: 0, total: 2 });
      const csv = `nik,name,kpj,role,startDate,endDate\n${nik(2)},Pekerja 2,${kpj(2)},MANDOR,2025-02-01,\n${nik(3)},Pekerja 3,,TUKANG,2025-02-01,\n`;
      const second = await p.app.inject({ method: 'PUT', url, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
      expect(second.json()).toEqual({ added: 1, removed: 1, updated: 1, unchanged: 0, total: 2 });
      const added = await p.app.inject({ method: 'POST', url, headers, payload: worker(4) });
      expect(added.statusCode).toBe(201);
      const ended = await p.app.inject({ method: 'DELETE', url: `${url}/${added.json().assignmentId}`, headers });
      expect(ended.statusCode).toBe(200);
      const all = await p.app.inject({ method: 'GET', url: `${url}?includeEnded=true`, headers });
      expect(all.json().items).toHaveLength(4);
    } finally {
      await p.close();
    }
  }, 60_000);
});
