// The dashboard's pages through app.inject on real PostgreSQL: sign-in and its refusals, CSRF,
// OPD scoping, personal data as the API shows it, audit events as through the API, 404s.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { query } from '../helpers/fixtures.ts';
import { clock, csrfOf, seedScenario, signIn, type Scenario } from './support.ts';

let t: TestApp;
let s: Scenario;
let opd: string;
let inspector: string;

beforeAll(async () => {
  t = await buildTestApp({ clock });
  s = await seedScenario(t);
  opd = await signIn(t, 'opd');
  inspector = await signIn(t, 'inspector');
});

const get = (url: string, cookie?: string) => t.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

function multipart(fields: Record<string, string>, file: { name: string; filename: string; content: string }) {
  const boundary = '----gerbangtest';
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.filename}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`);
  return { payload: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('sign-in and sessions', () => {
  it('sends /app and its pages to /app/login without a session, and /app/login to the development sign-in', async () => {
    for (const url of ['/app', '/app/projects', `/app/projects/${s.blocked.id}`, '/app/decisions', '/app/audit']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(302);
      expect(res.headers.location).toBe('/app/login');
    }
    const login = await get('/app/login');
    expect(login.statusCode).toBe(302);
    expect(login.headers.location).toBe('/app/dev-login');
    const form = await get('/app/dev-login');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('<form');
    expect(form.body).toContain('DPUPR');
  });

  it('sets a sealed HttpOnly SameSite=Lax cookie that the browser cannot read or forge', async () => {
    const res = await get('/app/dev-login?role=opd&opd=DPUPR');
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/app');
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/gerbang_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\/app/);
    expect(setCookie).not.toMatch(/Secure/); // only in production
    const value = /gerbang_session=([^;]+)/.exec(setCookie)?.[1] ?? '';
    expect(Buffer.from(value, 'base64url').toString('latin1')).not.toContain('DPUPR');
    const forged = `${value.slice(0, -4)}${value.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    expect((await get('/app', `gerbang_session=${forged}`)).statusCode).toBe(302);
  });

  it('refuses roles the dashboard does not serve and an OPD that does not exist', async () => {
    expect((await get('/app/dev-login?role=finance')).statusCode).toBe(422);
    expect((await get('/app/dev-login?role=opd&opd=NOPE')).statusCode).toBe(422);
    expect((await get('/app/dev-login?role=opd')).statusCode).toBe(422);
  });

  it('ends the session at /app/logout', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/app/logout', headers: { cookie: opd } });
    expect(res.statusCode).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/gerbang_session=;/);
    expect(res.headers.location).toBe('/app/login?signedOut');
    expect((await get('/app/login?signedOut')).body).toContain('/app/login');
  });

  it('answers unknown routes under /app with 404, signed in or not', async () => {
    expect((await get('/app/nothing-here')).statusCode).toBe(404);
    expect((await get('/app/projects/not-a-uuid/x', opd)).statusCode).toBe(404);
    const res = await get('/app/nothing-here', opd);
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  it('keeps the dashboard out of the API document', async () => {
    const doc = (await get('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/app'))).toEqual([]);
  });

  it('switches to English and back, and only redirects inside /app', async () => {
    const res = await get('/app/lang?to=en&back=%2Fapp%2Fprojects', opd);
    expect(res.headers.location).toBe('/app/projects');
    const lang = /gerbang_lang=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
    const page = await get('/app', `${opd}; gerbang_lang=${lang}`);
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain('Next stage');
    expect((await get('/app/lang?to=en&back=https%3A%2F%2Fevil.example', opd)).headers.location).toBe('/app');
  });
});

describe('OPD staff', () => {
  it('lists their projects with today\'s state at a glance', async () => {
    const res = await get('/app', opd);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain(s.blocked.code);
    expect(res.body).toContain(s.approved.code);
    expect(res.body).toContain('Diblokir');
    expect(res.body).toContain('TERMIN_1'); // next stage of the project whose advance was approved
    expect(res.body).toContain('class="stackbar"');
  });

  it('shows who blocks a project, worker by worker, with what to do, and full NIKs on their own project', async () => {
    const res = await get(`/app/projects/${s.blocked.id}`, opd);
    expect(res.statusCode).toBe(200);
    const { inactive, unknown, noJkm, ok } = s.workers;
    for (const w of [inactive, unknown, noJkm, ok]) expect(res.body).toContain(w.nik);
    expect(res.body).toContain('Siapa yang memblokir (3)');
    expect(res.body).toContain('Kepesertaan tidak aktif');
    expect(res.body).toContain('minta penyedia jasa mengaktifkan kembali');
    expect(res.body).toContain('Tanpa JKK dan JKM');
  });

  it('answers another OPD\'s project with 404, as the API does', async () => {
    const other = await signIn(t, 'opd', 'DINKES');
    expect((await get(`/app/projects/${s.blocked.id}`, other)).statusCode).toBe(404);
    expect((await get('/app', other)).body).not.toContain(s.blocked.code);
  });

  it('refuses a form without the session\'s CSRF token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/app/projects', headers: { cookie: opd, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' });
    expect(res.statusCode).toBe(403);
    const json = await t.app.inject({ method: 'POST', url: '/app/projects', headers: { cookie: opd }, payload: { name: 'x' } });
    expect(json.statusCode).toBe(415);
    const wrong = await t.app.inject({ method: 'POST', url: '/app/projects', headers: { cookie: opd, 'content-type': 'application/x-www-form-urlencoded' }, payload: '_csrf=nope&name=x' });
    expect(wrong.statusCode).toBe(403);
  });

  it('registers a project through the form, audited as through the API, and shows every bad field', async () => {
    const form = await get('/app/projects/new', opd);
    const csrf = csrfOf(form.body);
    const contractorId = /<option value="([0-9a-f-]{36})"/.exec(form.body)?.[1] ?? '';
    const fields = {
      _csrf: csrf, code: 'DPUPR-WEB-001', name: 'Jembatan Musi VII', opdCode: 'DPUPR', contractorId, fundingSource: 'APBD', fiscalYear: '2025',
      contractNumber: 'SPK/77', contractValue: '2.220.000.000', vatPercent: '11', startDate: '2025-08-01', endDate: '2026-03-31',
      maintenanceEndDate: '', bpjsRegistrationNumber: '', bpjsPremiumPaid: '0',
    };
    const bad = await t.app.inject({ method: 'POST', url: '/app/projects', headers: { cookie: opd, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ ...fields, endDate: '2025-01-01' }).toString() });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('id="f-endDate-err"');
    // Beside the field, in the page's language (Bahasa Indonesia).
    expect(bad.body).toMatch(/id="f-endDate-err">harus sama dengan atau sesudah startDate \(2025-08-01\)</);
    const worse = await t.app.inject({ method: 'POST', url: '/app/projects', headers: { cookie: opd, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ ...fields, fiscalYear: 'x', contractValue: 'banyak' }).toString() });
    expect(worse.body).toContain('id="f-fiscalYear-err"');
    expect(worse.body).toContain('id="f-contractValue-err"');
    expect(bad.body).toContain('value="Jembatan Musi VII"');
    const res = await t.app.inject({ method: 'POST', url: '/app/projects', headers: { cookie: opd, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    expect(res.statusCode).toBe(303);
    const id = /\/app\/projects\/([0-9a-f-]{36})/.exec(String(res.headers.location))?.[1];
    const [event] = await query<{ action: string; actor: { sub: string; opd: string } }>(t.database, `select action, actor from audit_events where entity_id = '${id}'`);
    expect(event).toMatchObject({ action: 'project.created', actor: { sub: 'dev-opd-DPUPR', opd: 'DPUPR' } });
    const api = await t.app.inject({ method: 'GET', url: `/v1/projects/${id}`, headers: await t.auth('opd') });
    expect(api.json()).toMatchObject({ contractValue: 2_220_000_000, bpjsRegistrationNumber: null });
  });

  it('shows every bad line of an uploaded roster in place and changes nothing', async () => {
    const page = await get(`/app/projects/${s.approved.id}`, opd);
    const csv = ['nik,name,kpj,role,startDate,endDate', `${s.workers.ok.nik},Ahmad Fauzi,,TUKANG,2025-07-01,`, '1234,Salah NIK,,TUKANG,2025-07-01,', `${s.workers.unknown.nik},Citra,,MANDOR,2025-13-01,`].join('\n');
    const body = multipart({ _csrf: csrfOf(page.body) }, { name: 'roster', filename: 'pekerja.csv', content: csv });
    const res = await t.app.inject({ method: 'POST', url: `/app/projects/${s.approved.id}/roster`, headers: { cookie: opd, 'content-type': body.contentType }, payload: body.payload });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('2 baris bermasalah di pekerja.csv');
    expect(res.body).toMatch(/baris 3<\/span><code>1234,Salah NIK/);
    expect(res.body).toContain('NIK_LENGTH: NIK harus 16 digit');
    expect(res.body).toMatch(/baris 4<\/span><code>/);
    const roster = await t.app.inject({ method: 'GET', url: `/v1/projects/${s.approved.id}/workers`, headers: await t.auth('opd') });
    expect(roster.json().items).toHaveLength(1);
  });

  it('replaces the roster from a good CSV, audited with the session\'s actor', async () => {
    const page = await get(`/app/projects/${s.approved.id}`, opd);
    const csv = `nik,name,kpj,role,startDate,endDate\n${s.workers.ok.nik},Ahmad Fauzi,,TUKANG,2025-07-01,\n`;
    const body = multipart({ _csrf: csrfOf(page.body) }, { name: 'roster', filename: 'pekerja.csv', content: csv });
    const res = await t.app.inject({ method: 'POST', url: `/app/projects/${s.approved.id}/roster`, headers: { cookie: opd, 'content-type': body.contentType }, payload: body.payload });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/app/projects/${s.approved.id}?roster=1-0-1-1`);
    const events = await query<{ actor: { sub: string } }>(t.database, `select actor from audit_events where action = 'roster.replaced' and entity_id = '${s.approved.id}' order by seq desc limit 1`);
    expect(events[0]?.actor.sub).toBe('dev-opd-DPUPR');
  });

  it('ends every worker with a header-only CSV only when that is ticked', async () => {
    const { id } = await (await t.app.inject({ method: 'POST', url: '/v1/projects', headers: await t.auth('opd'), payload: {
      code: 'DPUPR-EMPTY-1', name: 'Paket kosong', opdCode: 'DPUPR', contractorId: (await t.app.inject({ method: 'GET', url: `/v1/projects/${s.blocked.id}`, headers: await t.auth('opd') })).json().contractorId,
      fundingSource: 'APBD', fiscalYear: 2025, contractNumber: 'SPK/E', contractValue: 100_000_000, startDate: '2025-07-01', endDate: '2025-12-31',
    } })).json();
    const upload = async (csv: string, fields: Record<string, string>) => {
      const page = await get(`/app/projects/${id}`, opd);
      const body = multipart({ _csrf: csrfOf(page.body), ...fields }, { name: 'roster', filename: 'pekerja.csv', content: csv });
      return t.app.inject({ method: 'POST', url: `/app/projects/${id}/roster`, headers: { cookie: opd, 'content-type': body.contentType }, payload: body.payload });
    };
    expect((await upload(`nik,name,kpj,role,startDate,endDate\n${s.workers.ok.nik},Ahmad,,TUKANG,2025-07-01,\n`, {})).statusCode).toBe(303);
    const refused = await upload('nik,name,kpj,role,startDate,endDate\n', {});
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('confirmEmpty');
    const ended = await upload('nik,name,kpj,role,startDate,endDate\n', { confirmEmpty: 'true' });
    expect(ended.statusCode).toBe(303);
    expect(ended.headers.location).toBe(`/app/projects/${id}?roster=0-0-1-0`);
  });

  it('runs verify and says why nothing can be refreshed in snapshot mode', async () => {
    const page = await get(`/app/projects/${s.blocked.id}`, opd);
    const res = await t.app.inject({ method: 'POST', url: `/app/projects/${s.blocked.id}/verify`, headers: { cookie: opd, 'hx-request': 'true', 'x-csrf-token': csrfOf(page.body) } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('BPJS_PROVIDER=snapshot');
  });

  it('keeps OPD staff out of the Inspektorat\'s pages', async () => {
    expect((await get('/app/audit', opd)).statusCode).toBe(403);
    expect((await get('/app/audit/export.csv', opd)).statusCode).toBe(403);
    expect((await get('/app/contractors', opd)).statusCode).toBe(403);
  });
});

describe('the Inspektorat', () => {
  it('sees the overview with a chart of decisions over time and the reasons that block most', async () => {
    const res = await get('/app', inspector);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<svg class="chart"');
    expect(res.body).toMatch(/<rect [^>]*fill="#1f8a5b"><title>[^<]*1 disetujui/);
    expect(res.body).toMatch(/<rect [^>]*fill="#c62828"><title>[^<]*1 diblokir/);
    expect(res.body).toContain('Kepesertaan tidak aktif');
    expect(res.body).toContain('PT Musi Jaya Konstruksi');
  });

  it('opens a decision with its evidence, replays it and downloads its receipt', async () => {
    const res = await get(`/app/decisions/${s.blockedDecisionId}`, inspector);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(s.workers.inactive.nik);
    const replay = await get(`/app/decisions/${s.blockedDecisionId}/replay`, inspector);
    expect(replay.body).toContain('keputusan yang sama (BLOCKED)');
    const receipt = await get(`/app/decisions/${s.blockedDecisionId}/receipt.jws`, inspector);
    expect(receipt.statusCode).toBe(200);
    expect(receipt.body.split('.')).toHaveLength(3);
  });

  it('verifies the chain and downloads an export, which is itself audited', async () => {
    const verify = await get('/app/audit/verify', inspector);
    expect(verify.body).toContain('Rantai utuh');
    const csv = await get('/app/audit/export.csv', inspector);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-disposition']).toContain('gerbang-audit.csv');
    expect(csv.body.split('\r\n')[0]).toContain('seq');
    const [event] = await query<{ actor: { sub: string } }>(t.database, `select actor from audit_events where action = 'audit.exported' order by seq desc limit 1`);
    expect(event?.actor.sub).toBe('dev-inspector');
  });

  it('may not change anything', async () => {
    expect((await get('/app/projects/new', inspector)).statusCode).toBe(403);
    const page = await get(`/app/projects/${s.blocked.id}`, inspector);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('/roster"');
  });
});
