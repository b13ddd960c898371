import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rows } from '../src/db/client.ts';
import { buildTestApp } from './helpers/app.ts';
import { createContractor, createProject, projectPayload, uniqueCode, type Json } from './helpers/factories.ts';

type Problem = { code: string; errors?: Array<{ path: string; message: string }> };
const paths = (body: Problem) => (body.errors ?? []).map((e) => e.path).sort();

describe('projects', async () => {
  const t = await buildTestApp();
  const contractor = await createContractor(t, { name: 'PT Sriwijaya Beton' });
  const post = async (payload: Json, role: 'admin' | 'opd' | 'finance' | 'inspector' = 'admin', opd?: string) =>
    t.app.inject({ method: 'POST', url: '/v1/projects', headers: await t.auth(role, opd ? { opd } : {}), payload });
  const patch = async (id: unknown, payload: Json, role: 'admin' | 'opd' | 'finance' | 'inspector' = 'admin', opd?: string) =>
    t.app.inject({ method: 'PATCH', url: `/v1/projects/${id}`, headers: await t.auth(role, opd ? { opd } : {}), payload });
  const events = (entityId: unknown) =>
    rows<{ action: string; entity_id: string; data: Json; actor: Json }>(t.database.db, sql`select action, entity_id, data, actor from audit_events where entity_id = ${String(entityId)} order by seq`);

  describe('create', () => {
    it('registers a project with every field, the defaults and the derived premium', async () => {
      const payload = projectPayload({ contractorId: contractor.id });
      const res = await post(payload);
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toEqual({
        id: expect.any(String), ...payload,
        vatPercent: 11, maintenanceEndDate: null, bpjsRegistrationNumber: null, bpjsPremiumPaid: 0,
        contractor: { id: contractor.id, name: 'PT Sriwijaya Beton', bpjsEmployerNumber: contractor.bpjsEmployerNumber },
        // 1,110,000,000 incl. 11% VAT -> base 1,000,000,000: marginal JKK 1,540,000 and JKM 210,000.
        premium: { required: { jkk: 1_540_000, jkm: 210_000, total: 1_750_000 } },
        createdAt: expect.any(String), updatedAt: expect.any(String),
      });
      const [event] = await events(body.id);
      expect(event).toMatchObject({ action: 'project.created', entity_id: body.id, data: { code: payload.code, contractValue: 1_110_000_000, vatPercent: 11, opdCode: 'DPUPR' } });
      const read = await t.app.inject({ method: 'GET', url: `/v1/projects/${body.id}`, headers: await t.auth('inspector') });
      expect(read.json()).toEqual(body);
    });

    it('stores an exact decimal VAT, optional fields and money up to 10^15 as JSON numbers', async () => {
      const payload = projectPayload({
        contractorId: contractor.id, fundingSource: 'SWASTA', vatPercent: 11.55, contractValue: 1_000_000_000_000_000,
        maintenanceEndDate: '2026-04-30', bpjsRegistrationNumber: '2025001234567', bpjsPremiumPaid: 999_999_999_999_999,
      });
      const res = await post(payload);
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body).toMatchObject({ vatPercent: 11.55, contractValue: 1_000_000_000_000_000, maintenanceEndDate: '2026-04-30', bpjsRegistrationNumber: '2025001234567', bpjsPremiumPaid: 999_999_999_999_999 });
      expect(Number.isSafeInteger(body.premium.required.total)).toBe(true);
      const [stored] = await rows<{ vat_percent: string }>(t.database.db, sql`select vat_percent::text from projects where id = ${body.id}`);
      expect(stored?.vat_percent).toBe('11.55');
      const zeroVat = await post(projectPayload({ contractorId: contractor.id, vatPercent: 0, contractValue: 100_000_000 }));
      expect(zeroVat.json().premium.required).toEqual({ jkk: 210_000, jkm: 30_000, total: 240_000 });
    });

    it('lets OPD staff register for their own OPD; another OPD is a 422 on opdCode', async () => {
      const own = await post(projectPayload({ contractorId: contractor.id, opdCode: 'PERKIM' }), 'opd', 'PERKIM');
      expect(own.statusCode).toBe(201);
      expect((await events(own.json().id))[0]?.actor).toEqual({ sub: 'opd-user', roles: ['opd'], opd: 'PERKIM' });
      const other = await post(projectPayload({ contractorId: contractor.id, opdCode: 'DPUPR' }), 'opd', 'PERKIM');
      expect(other.statusCode).toBe(422);
      expect(paths(other.json())).toEqual(['opdCode']);
    });

    it('lists every field problem at once (422)', async () => {
      const res = await post({
        code: 'has space', name: 'x', opdCode: 'dpupr', contractorId: 'nope', fundingSource: 'HIBAH', fiscalYear: 1999,
        contractNumber: '', contractValue: 1.5, vatPercent: 11.555, startDate: '2025-02-30', endDate: '2025-13-01',
        maintenanceEndDate: 'tomorrow', bpjsRegistrationNumber: 'REG-1', bpjsPremiumPaid: -1, surprise: 1,
      });
      expect(res.statusCode).toBe(422);
      const body = res.json();
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(paths(body)).toEqual(['body', 'bpjsPremiumPaid', 'bpjsRegistrationNumber', 'code', 'contractNumber', 'contractValue', 'contractorId', 'endDate',
        'fiscalYear', 'fundingSource', 'maintenanceEndDate', 'name', 'opdCode', 'startDate', 'vatPercent']);
    });

    it('checks the ranges: money, VAT 0..100, fiscal year, required fields', async () => {
      const over = await post(projectPayload({ contractorId: contractor.id, contractValue: 1_000_000_000_000_001, vatPercent: 100.01, fiscalYear: 2101, bpjsPremiumPaid: 2e15 }));
      expect(paths(over.json())).toEqual(['bpjsPremiumPaid', 'contractValue', 'fiscalYear', 'vatPercent']);
      const stringly = await post(projectPayload({ contractorId: contractor.id, contractValue: '1000', vatPercent: '11' }));
      expect(paths(stringly.json())).toEqual(['contractValue', 'vatPercent']);
      const empty = await post({});
      expect(paths(empty.json())).toEqual(['code', 'contractNumber', 'contractValue', 'contractorId', 'endDate', 'fiscalYear', 'fundingSource', 'name', 'opdCode', 'startDate']);
    });

    it('checks the date order together with the other problems', async () => {
      const res = await post(projectPayload({ contractorId: contractor.id, name: 'x', startDate: '2025-06-01', endDate: '2025-05-31', maintenanceEndDate: '2025-05-30' }));
      expect(res.statusCode).toBe(422);
      expect(paths(res.json())).toEqual(['endDate', 'maintenanceEndDate', 'name']);
      const sameDay = await post(projectPayload({ contractorId: contractor.id, startDate: '2025-06-01', endDate: '2025-06-01', maintenanceEndDate: '2025-06-01' }));
      expect(sameDay.statusCode).toBe(201);
      const multiYear = await post(projectPayload({ contractorId: contractor.id, startDate: '2025-06-01', endDate: '2027-12-31' }));
      expect(multiYear.statusCode).toBe(201);
    });

    it('answers an unknown OPD and contractor with 422 naming both paths, and writes nothing', async () => {
      const code = uniqueCode();
      const res = await post(projectPayload({ code, opdCode: 'NOSUCHOPD', contractorId: '00000000-0000-4000-8000-000000000000' }));
      expect(res.statusCode).toBe(422);
      expect(paths(res.json())).toEqual(['contractorId', 'opdCode']);
      expect(await rows(t.database.db, sql`select 1 from projects where code = ${code}`)).toEqual([]);
    });

    it('refuses a duplicate code (409 PROJECT_EXISTS) and a registration number in use (409 REGISTRATION_NUMBER_TAKEN)', async () => {
      const first = await createProject(t, { contractorId: contractor.id, bpjsRegistrationNumber: '77001' });
      const before = await rows(t.database.db, sql`select seq from audit_events`);
      const dupCode = await post(projectPayload({ contractorId: contractor.id, code: first.code }));
      expect(dupCode.statusCode).toBe(409);
      expect(dupCode.json().code).toBe('PROJECT_EXISTS');
      const dupReg = await post(projectPayload({ contractorId: contractor.id, bpjsRegistrationNumber: '77001' }));
      expect(dupReg.statusCode).toBe(409);
      expect(dupReg.json().code).toBe('REGISTRATION_NUMBER_TAKEN');
      // The failed inserts rolled back their transaction: no audit event was left behind.
      expect(await rows(t.database.db, sql`select seq from audit_events`)).toHaveLength(before.length);
    });

    it('decides racing duplicate codes with the unique index: one 201, one 409', async () => {
      const payload = projectPayload({ contractorId: contractor.id });
      const results = await Promise.all([post(payload), post(payload)]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    });

    it('lets only admin and OPD staff create (finance and inspector 403, no token 401)', async () => {
      for (const role of ['finance', 'inspector'] as const) {
        const res = await post(projectPayload({ contractorId: contractor.id }), role);
        expect(res.statusCode, role).toBe(403);
        expect(res.json().code).toBe('FORBIDDEN');
      }
      const anon = await t.app.inject({ method: 'POST', url: '/v1/projects', payload: projectPayload({ contractorId: contractor.id }) });
      expect(anon.statusCode).toBe(401);
    });
  });

  describe('read and scoping', () => {
    it('shows a project to its OPD, admin, inspector and finance; another OPD gets 404 like a missing id', async () => {
      const p = await createProject(t, { contractorId: contractor.id, opdCode: 'DPUPR' });
      for (const [role, opd] of [['opd', 'DPUPR'], ['admin'], ['inspector'], ['finance']] as const) {
        const res = await t.app.inject({ method: 'GET', url: `/v1/projects/${p.id}`, headers: await t.auth(role, opd ? { opd } : {}) });
        expect(res.statusCode, role).toBe(200);
      }
      const other = await t.app.inject({ method: 'GET', url: `/v1/projects/${p.id}`, headers: await t.auth('opd', { opd: 'PERKIM' }) });
      const missing = await t.app.inject({ method: 'GET', url: '/v1/projects/00000000-0000-4000-8000-000000000000', headers: await t.auth('opd', { opd: 'PERKIM' }) });
      expect(other.statusCode).toBe(404);
      expect(other.json()).toEqual(missing.json());
      const otherPatch = await patch(p.id, { name: 'Dipindahkan diam-diam' }, 'opd', 'PERKIM');
      expect(otherPatch.statusCode).toBe(404);
      expect((await events(p.id)).map((e) => e.action)).toEqual(['project.created']);
    });

    it('lists only the caller\'s OPD for OPD staff, whatever opdCode they ask for', async () => {
      const tag = `Scope${Date.now()}`;
      const a = await createProject(t, { contractorId: contractor.id, opdCode: 'DINKES', name: `Puskesmas ${tag}` });
      const b = await createProject(t, { contractorId: contractor.id, opdCode: 'DISDIK', name: `Sekolah ${tag}` });
      const list = async (query: string, role: 'opd' | 'finance', opd?: string) => {
        const res = await t.app.inject({ method: 'GET', url: `/v1/projects?q=${tag}${query}`, headers: await t.auth(role, opd ? { opd } : {}) });
        expect(res.statusCode).toBe(200);
        return res.json().items.map((p: { id: string }) => p.id);
      };
      expect(await list('', 'opd', 'DINKES')).toEqual([a.id]);
      expect(await list('&opdCode=DISDIK', 'opd', 'DINKES')).toEqual([]);
      expect(await list('', 'finance')).toEqual([a.id, b.id]);
      expect(await list('&opdCode=DISDIK', 'finance')).toEqual([b.id]);
    });

    it('pages a list with an opaque cursor in creation order, without repeats or gaps', async () => {
      const tag = `Page${Date.now()}`;
      const made = [];
      for (let i = 0; i < 7; i++) made.push(await createProject(t, { contractorId: contractor.id, name: `Drainase ${tag} ${i}` }));
      const headers = await t.auth('opd', { opd: 'DPUPR' });
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await t.app.inject({ method: 'GET', url: `/v1/projects?q=${tag.toLowerCase()}&limit=3${cursor ? `&cursor=${cursor}` : ''}`, headers });
        expect(res.statusCode).toBe(200);
        const body: { items: Array<{ id: string; premium: unknown; contractor: unknown }>; nextCursor: string | null } = res.json();
        expect(body.items.length).toBeLessThanOrEqual(3);
        for (const item of body.items) expect(item).toMatchObject({ premium: { required: expect.any(Object) }, contractor: { id: contractor.id } });
        seen.push(...body.items.map((p) => p.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(made.map((p) => p.id));
      for (const q of ['limit=0', 'limit=501', 'cursor=abc', 'opdCode=bad code']) {
        const res = await t.app.inject({ method: 'GET', url: `/v1/projects?${q}`, headers });
        expect(res.statusCode, q).toBe(422);
      }
    });
  });

  describe('update', () => {
    it('applies an addendum: contract value changes, premium follows, the audit event records before and after', async () => {
      const p = await createProject(t, { contractorId: contractor.id });
      const res = await patch(p.id, { contractValue: 2_220_000_000, bpjsPremiumPaid: 875_000, bpjsRegistrationNumber: '88001' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ contractValue: 2_220_000_000, bpjsPremiumPaid: 875_000, bpjsRegistrationNumber: '88001', code: p.code, createdAt: p.createdAt });
      // base 2,000,000,000: JKK 1,540,000 + 1,100,000; JKM 210,000 + 100,000.
      expect(body.premium.required).toEqual({ jkk: 2_640_000, jkm: 310_000, total: 2_950_000 });
      expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(p.updatedAt as string));
      const updated = (await events(p.id)).filter((e) => e.action === 'project.updated');
      expect(updated).toEqual([expect.objectContaining({
        entity_id: p.id,
        data: {
          changes: {
            contractValue: { before: 1_110_000_000, after: 2_220_000_000 },
            bpjsPremiumPaid: { before: 0, after: 875_000 },
            bpjsRegistrationNumber: { before: null, after: '88001' },
          },
          premiumRequiredTotal: { before: 1_750_000, after: 2_950_000 },
        },
      })]);
    });

    it('lets the project\'s OPD edit it but not move it to another OPD (422 on opdCode)', async () => {
      const p = await createProject(t, { contractorId: contractor.id, opdCode: 'DISHUB' });
      const ok = await patch(p.id, { name: 'Halte Bus Ampera', vatPercent: 0, opdCode: 'DISHUB' }, 'opd', 'DISHUB');
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ name: 'Halte Bus Ampera', vatPercent: 0, opdCode: 'DISHUB' });
      const move = await patch(p.id, { opdCode: 'DPUPR', name: 'Pindah' }, 'opd', 'DISHUB');
      expect(move.statusCode).toBe(422);
      expect(paths(move.json())).toEqual(['opdCode']);
      const after = await t.app.inject({ method: 'GET', url: `/v1/projects/${p.id}`, headers: await t.auth('admin') });
      expect(after.json()).toMatchObject({ name: 'Halte Bus Ampera', opdCode: 'DISHUB' });
    });

    it('lets admin move a project to a known OPD and change its contractor; unknown ones are 422', async () => {
      const p = await createProject(t, { contractorId: contractor.id });
      const other = await createContractor(t, { name: 'CV Kemuning', bpjsEmployerNumber: '5550001' });
      const bad = await patch(p.id, { opdCode: 'NOSUCHOPD', contractorId: '00000000-0000-4000-8000-000000000000' });
      expect(paths(bad.json())).toEqual(['contractorId', 'opdCode']);
      const res = await patch(p.id, { opdCode: 'PERKIM', contractorId: other.id });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ opdCode: 'PERKIM', contractorId: other.id, contractor: { id: other.id, name: 'CV Kemuning', bpjsEmployerNumber: '5550001' } });
      const dpupr = await t.app.inject({ method: 'GET', url: `/v1/projects/${p.id}`, headers: await t.auth('opd', { opd: 'DPUPR' }) });
      expect(dpupr.statusCode).toBe(404);
    });

    it('checks the date rules on the merged project, blaming the field that was sent', async () => {
      const p = await createProject(t, { contractorId: contractor.id, startDate: '2025-03-01', endDate: '2025-10-31', maintenanceEndDate: '2026-04-30' });
      const endEarly = await patch(p.id, { endDate: '2025-02-28' });
      expect(paths(endEarly.json())).toEqual(['endDate']);
      const startLate = await patch(p.id, { startDate: '2025-11-01' });
      expect(paths(startLate.json())).toEqual(['startDate']);
      const pastMaintenance = await patch(p.id, { endDate: '2026-05-01' });
      expect(paths(pastMaintenance.json())).toEqual(['endDate']);
      const maintenanceEarly = await patch(p.id, { maintenanceEndDate: '2025-10-30' });
      expect(paths(maintenanceEarly.json())).toEqual(['maintenanceEndDate']);
      const cleared = await patch(p.id, { maintenanceEndDate: null, endDate: '2026-05-01' });
      expect(cleared.statusCode).toBe(200);
      expect(cleared.json()).toMatchObject({ maintenanceEndDate: null, endDate: '2026-05-01' });
    });

    it('refuses unknown or non-editable fields, an empty body and bad values (422)', async () => {
      const p = await createProject(t, { contractorId: contractor.id });
      const code = await patch(p.id, { code: 'NEW-CODE' });
      expect(code.statusCode).toBe(422);
      const empty = await patch(p.id, {});
      expect(empty.statusCode).toBe(422);
      const bad = await patch(p.id, { vatPercent: 101, contractValue: -5, fundingSource: 'HIBAH' });
      expect(paths(bad.json())).toEqual(['contractValue', 'fundingSource', 'vatPercent']);
      expect((await events(p.id)).map((e) => e.action)).toEqual(['project.created']);
    });

    it('answers a registration number of another project with 409 and keeps the project as it was', async () => {
      const taken = await createProject(t, { contractorId: contractor.id, bpjsRegistrationNumber: '99001' });
      const p = await createProject(t, { contractorId: contractor.id });
      const res = await patch(p.id, { bpjsRegistrationNumber: taken.bpjsRegistrationNumber as string, name: 'Berubah' });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('REGISTRATION_NUMBER_TAKEN');
      const after = await t.app.inject({ method: 'GET', url: `/v1/projects/${p.id}`, headers: await t.auth('admin') });
      expect(after.json()).toEqual(p);
      expect((await events(p.id)).map((e) => e.action)).toEqual(['project.created']);
    });

    it('writes nothing for a patch that changes nothing', async () => {
      const p = await createProject(t, { contractorId: contractor.id });
      const res = await patch(p.id, { name: p.name as string, vatPercent: 11 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(p);
      expect((await events(p.id)).map((e) => e.action)).toEqual(['project.created']);
    });

    it('lets neither finance nor inspector change a project (403)', async () => {
      const p = await createProject(t, { contractorId: contractor.id });
      for (const role of ['finance', 'inspector'] as const) {
        const res = await patch(p.id, { name: 'Tidak boleh' }, role);
        expect(res.statusCode, role).toBe(403);
      }
    });
  });
});
