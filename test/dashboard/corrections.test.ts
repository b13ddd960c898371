// Correcting an assignment from the dashboard (contract 2.1): the API's correction service, its
// audit event with the session's actor, and the Inspektorat's list of corrections.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { query } from '../helpers/fixtures.ts';
import { clock, csrfOf, seedScenario, signIn, type Scenario } from './support.ts';

let t: TestApp;
let s: Scenario;
let opd: string;

beforeAll(async () => {
  t = await buildTestApp({ clock });
  s = await seedScenario(t);
  opd = await signIn(t, 'opd');
});

const form = (cookie: string, url: string, fields: Record<string, string>) =>
  t.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });

describe('assignment corrections', () => {
  it('corrects a worker\'s last day with a reason, audited with the signed-in person, and lists it for the Inspektorat', async () => {
    const project = await t.app.inject({ method: 'GET', url: `/app/projects/${s.blocked.id}`, headers: { cookie: opd } });
    const link = new RegExp(`/app/projects/${s.blocked.id}/workers/([0-9a-f-]{36})/correct`).exec(project.body);
    expect(link).not.toBeNull();
    const roster = (await t.app.inject({ method: 'GET', url: `/v1/projects/${s.blocked.id}/workers`, headers: await t.auth('opd') })).json().items as Array<{ assignmentId: string; nik: string }>;
    const inactive = roster.find((w) => w.nik === s.workers.inactive.nik);
    const url = `/app/projects/${s.blocked.id}/workers/${inactive?.assignmentId}/correct`;
    const page = await t.app.inject({ method: 'GET', url, headers: { cookie: opd } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(s.workers.inactive.name);

    const short = await form(opd, url, { _csrf: csrfOf(page.body), endDate: '2025-07-31', reason: 'salah' });
    expect(short.statusCode).toBe(422);
    expect(short.body).toContain('id="f-reason-err"');

    const done = await form(opd, url, { _csrf: csrfOf(page.body), endDate: '2025-07-31', reason: 'Berhenti bekerja akhir Juli, terlambat dilaporkan' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/app/projects/${s.blocked.id}?corrected=1`);
    const [event] = await query<{ actor: { sub: string } }>(t.database, `select actor from audit_events where action = 'roster.assignment_corrected' order by seq desc limit 1`);
    expect(event?.actor.sub).toBe('dev-opd-DPUPR');

    const inspector = await signIn(t, 'inspector');
    const list = await t.app.inject({ method: 'GET', url: '/app/corrections', headers: { cookie: inspector } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Berhenti bekerja akhir Juli');
    expect(list.body).toContain(s.workers.inactive.nik);
    expect((await t.app.inject({ method: 'GET', url, headers: { cookie: inspector } })).statusCode).toBe(403);
  });

  it('answers another OPD\'s assignment with 404', async () => {
    const other = await signIn(t, 'opd', 'DINKES');
    const roster = (await t.app.inject({ method: 'GET', url: `/v1/projects/${s.blocked.id}/workers`, headers: await t.auth('opd') })).json().items as Array<{ assignmentId: string }>;
    const res = await t.app.inject({ method: 'GET', url: `/app/projects/${s.blocked.id}/workers/${roster[0]?.assignmentId}/correct`, headers: { cookie: other } });
    expect(res.statusCode).toBe(404);
  });
});
