// OPD staff's routes: their projects, one project's explanation, the project form, the roster
// upload and the BPJS check. Each calls the API's own service with the session's RequestMeta.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { hasRole, type Role } from '../http/auth.ts';
import { AppError, type FieldError } from '../http/problem.ts';
import { createContractorBody } from '../contractors/schemas.ts';
import { createProjectBody, patchProjectBody, type Project } from '../projects/schemas.ts';
import { isHtmx, metaOf, pageCtx, sendPage } from './context.ts';
import { CONTRACTOR_FIELDS, PROJECT_FIELDS, ROSTER_UPLOAD_LIMIT, formValues, projectBody, zodErrors } from './forms.ts';
import { html } from './html.ts';
import { overviewPage } from './pages-inspector.ts';
import { contractorsPage, projectFormPage, type FormValues } from './pages-forms.ts';
import { projectListPage, projectPage, verifyOutcome, type UploadProblem } from './pages-projects.ts';
import type { DashboardService } from './service.ts';

const idParams = z.object({ id: z.uuid() });
const listQuery = z.object({ opd: z.string().regex(/^[A-Z0-9_-]{1,32}$/).optional().catch(undefined), q: z.string().trim().min(1).max(200).optional().catch(undefined) });

const MANAGERS: Role[] = ['admin', 'opd'];

/** The same role lists as the API's routes: a page may not do what the route would refuse. */
export function requireRoles(request: FastifyRequest, roles: readonly Role[]): void {
  if (!hasRole(metaOf(request).auth, ...roles)) throw new AppError('FORBIDDEN');
}

const notFound = () => new AppError('NOT_FOUND', { detail: { id: 'Paket pekerjaan tidak ditemukan', en: 'Project not found' } });

function idOf(request: FastifyRequest): string {
  const parsed = idParams.safeParse(request.params);
  if (!parsed.success) throw notFound();
  return parsed.data.id;
}

function projectValues(p: Project): FormValues {
  return {
    code: p.code, name: p.name, opdCode: p.opdCode, contractorId: p.contractorId, fundingSource: p.fundingSource,
    fiscalYear: String(p.fiscalYear), contractNumber: p.contractNumber, contractValue: String(p.contractValue), vatPercent: String(p.vatPercent),
    startDate: p.startDate, endDate: p.endDate, maintenanceEndDate: p.maintenanceEndDate ?? '', bpjsRegistrationNumber: p.bpjsRegistrationNumber ?? '',
    bpjsPremiumPaid: String(p.bpjsPremiumPaid),
  };
}

export function registerProjectRoutes(app: FastifyInstance, { ctx, service }: { ctx: AppContext; service: DashboardService }): void {
  const tz = ctx.config.LOCAL_TIMEZONE;

  async function glance(request: FastifyRequest, title: string) {
    const meta = metaOf(request);
    const q = listQuery.parse(request.query);
    const all = hasRole(meta.auth, 'inspector', 'admin');
    const found = await service.projectsAtGlance(meta, { opdCode: all ? q.opd : undefined, q: q.q });
    const c = pageCtx(request, tz);
    const filter = html`<form class="row card" method="get" action="${request.url.split('?')[0] ?? '/app'}" role="search">
      <label for="q" style="margin:0">${c.t('Cari', 'Search')}</label>
      <input id="q" name="q" value="${q.q ?? ''}" style="width:auto;flex:1 1 10rem">
      ${all ? html`<label for="opd" style="margin:0">OPD</label><input id="opd" name="opd" value="${q.opd ?? ''}" style="width:6rem">` : null}
      <button type="submit" class="secondary">${c.t('Cari', 'Search')}</button></form>`;
    return projectListPage(c, title, found.items, { more: found.more, canCreate: hasRole(meta.auth, ...MANAGERS), showOpd: all, filter });
  }

  app.get('/', async (request, reply) => {
    const meta = metaOf(request);
    const c = pageCtx(request, tz);
    if (hasRole(meta.auth, 'inspector', 'admin')) {
      const opd = listQuery.parse(request.query).opd;
      return sendPage(reply, overviewPage(c, await service.overview(meta, opd), opd));
    }
    return sendPage(reply, await glance(request, c.t(`Paket ${meta.auth.opd ?? ''}`, `${meta.auth.opd ?? ''} projects`)));
  });

  app.get('/projects', async (request, reply) => sendPage(reply, await glance(request, pageCtx(request, tz).t('Paket pekerjaan', 'Projects'))));

  async function formOptions(request: FastifyRequest) {
    const meta = metaOf(request);
    const contractors = await service.contractors.list(meta, { limit: 500, q: undefined, cursor: undefined });
    const admin = hasRole(meta.auth, 'admin');
    return { contractors: contractors.items, opds: admin ? await service.opds.list() : null, fixedOpd: admin ? null : meta.auth.opd };
  }

  app.get('/projects/new', async (request, reply) => {
    requireRoles(request, MANAGERS);
    const c = pageCtx(request, tz);
    const year = ctx.today().slice(0, 4);
    const values: FormValues = { fiscalYear: year, vatPercent: '11', bpjsPremiumPaid: '0', fundingSource: 'APBD', opdCode: metaOf(request).auth.opd ?? '' };
    return sendPage(reply, projectFormPage(c, { mode: 'new', action: '/app/projects', values, errors: [], problem: null, ...(await formOptions(request)) }));
  });

  app.post('/projects', async (request, reply) => {
    requireRoles(request, MANAGERS);
    const c = pageCtx(request, tz);
    const values = formValues(request.body, PROJECT_FIELDS);
    const parsed = createProjectBody.safeParse(projectBody(values, 'new'));
    let errors: FieldError[] = [];
    let problem: string | null = null;
    if (parsed.success) {
      try {
        const created = await service.projects.create(metaOf(request), parsed.data);
        return reply.redirect(`/app/projects/${created.id}?created=1`, 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        errors = err.errors ?? [];
        problem = err.detailText?.[c.lang] ?? err.message;
      }
    } else {
      errors = zodErrors(parsed.error);
      problem = c.t(`${errors.length} isian perlu diperbaiki.`, `${errors.length} field(s) need fixing.`);
    }
    return sendPage(reply, projectFormPage(c, { mode: 'new', action: '/app/projects', values, errors, problem, ...(await formOptions(request)) }), 422);
  });

  async function showProject(request: FastifyRequest, status: number, extras: { upload?: UploadProblem | null; flash?: ReturnType<typeof html> | null } = {}) {
    const meta = metaOf(request);
    const c = pageCtx(request, tz);
    const id = idOf(request);
    const detail = await service.projectDetail(meta, id);
    const query = request.query as Record<string, string | undefined>;
    let flash = extras.flash ?? null;
    if (!flash && query.created) flash = html`<p class="notice" role="status">${c.t('Paket terdaftar. Langkah berikut: unggah daftar pekerja (CSV) di bawah.', 'Project registered. Next: upload the roster (CSV) below.')}</p>`;
    if (!flash && query.corrected) flash = html`<p class="notice" role="status">${c.t('Koreksi disimpan dan dicatat dalam jejak audit.', 'Correction saved and recorded in the audit trail.')}</p>`;
    if (!flash && query.saved) flash = html`<p class="notice" role="status">${c.t('Perubahan disimpan.', 'Changes saved.')}</p>`;
    if (!flash && query.roster) {
      const [added, updated, removed, total] = query.roster.split('-').map(Number);
      flash = html`<p class="notice" role="status">${c.t(`Daftar pekerja diperbarui: ${added} ditambah, ${updated} diubah, ${removed} diakhiri; ${total} pekerja aktif.`, `Roster replaced: ${added} added, ${updated} updated, ${removed} ended; ${total} active workers.`)}</p>`;
    }
    const canManage = hasRole(meta.auth, 'admin') || (hasRole(meta.auth, 'opd') && meta.auth.opd === detail.project.opdCode);
    return projectPage(c, detail, { canManage, flash, upload: extras.upload ?? null, correctionsReady: true });
  }

  app.get('/projects/:id', async (request, reply) => sendPage(reply, await showProject(request, 200)));

  app.get('/projects/:id/edit', async (request, reply) => {
    requireRoles(request, MANAGERS);
    const c = pageCtx(request, tz);
    const project = await service.projects.get(metaOf(request), idOf(request));
    return sendPage(reply, projectFormPage(c, { mode: 'edit', action: `/app/projects/${project.id}`, values: projectValues(project), errors: [], problem: null, ...(await formOptions(request)) }));
  });

  app.post('/projects/:id', async (request, reply) => {
    requireRoles(request, MANAGERS);
    const c = pageCtx(request, tz);
    const id = idOf(request);
    const values = formValues(request.body, PROJECT_FIELDS.filter((f) => f !== 'code'));
    const parsed = patchProjectBody.safeParse(projectBody(values, 'edit'));
    let errors: FieldError[];
    let problem: string;
    if (parsed.success) {
      try {
        await service.projects.update(metaOf(request), id, parsed.data);
        return reply.redirect(`/app/projects/${id}?saved=1`, 303);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500 || err.status === 404 || err.status === 403) throw err;
        errors = err.errors ?? [];
        problem = err.detailText?.[c.lang] ?? err.message;
      }
    } else {
      errors = zodErrors(parsed.error);
      problem = c.t(`${errors.length} isian perlu diperbaiki.`, `${errors.length} field(s) need fixing.`);
    }
    return sendPage(reply, projectFormPage(c, { mode: 'edit', action: `/app/projects/${id}`, values, errors, problem, ...(await formOptions(request)) }), 422);
  });

  app.post('/projects/:id/roster', { bodyLimit: ROSTER_UPLOAD_LIMIT + 64 * 1024 }, async (request, reply) => {
    requireRoles(request, MANAGERS);
    const c = pageCtx(request, tz);
    const id = idOf(request);
    const file = (request.body as Record<string, unknown> | undefined)?.roster as { toBuffer?: () => Promise<Buffer>; filename?: string } | undefined;
    if (!file?.toBuffer) {
      return sendPage(reply, await showProject(request, 422, { upload: { errors: [{ path: 'roster', message: c.t('Pilih berkas CSV', 'Choose a CSV file') }], lines: [], fileName: '-' } }), 422);
    }
    const content = await file.toBuffer();
    // Ending every active assignment takes an explicit tick, as the API's ?confirmEmpty=true.
    const confirm = (request.body as Record<string, { value?: unknown } | undefined>).confirmEmpty?.value === 'true';
    try {
      const counts = await service.roster.replace(metaOf(request), id, { format: 'csv', body: Readable.from([content]) }, confirm);
      return reply.redirect(`/app/projects/${id}?roster=${counts.added}-${counts.updated}-${counts.removed}-${counts.total}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || (err.status !== 422 && err.status !== 400)) throw err;
      const errors = err.errors ?? [{ path: 'csv', message: err.detailText?.[c.lang] ?? err.message }];
      const upload = { errors, lines: content.toString('utf8').split(/\r?\n/), fileName: file.filename ?? 'roster.csv' };
      return sendPage(reply, await showProject(request, 422, { upload }), 422);
    }
  });

  app.post('/projects/:id/verify', async (request, reply) => {
    requireRoles(request, MANAGERS);
    const c = pageCtx(request, tz);
    const id = idOf(request);
    let fragment;
    try {
      fragment = verifyOutcome(c, await service.verify.verify(metaOf(request), id, request.log));
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 409) throw err;
      fragment = verifyOutcome(c, { error: err.detailText?.[c.lang] ?? err.message });
    }
    if (isHtmx(request)) return sendPage(reply, fragment);
    return sendPage(reply, await showProject(request, 200, { flash: fragment }));
  });

  // Contractors: the admin registers them (OPD staff pick one when registering a project).
  async function contractorsView(request: FastifyRequest, form: Parameters<typeof contractorsPage>[2], status: number) {
    const list = await service.contractors.list(metaOf(request), { limit: 500, q: undefined, cursor: undefined });
    return { page: contractorsPage(pageCtx(request, tz), list.items, form), status };
  }
  app.get('/contractors', async (request, reply) => {
    requireRoles(request, ['admin']);
    const v = await contractorsView(request, { values: {}, errors: [], problem: null, created: null }, 200);
    return sendPage(reply, v.page, v.status);
  });
  app.post('/contractors', async (request, reply) => {
    requireRoles(request, ['admin']);
    const c = pageCtx(request, tz);
    const values = formValues(request.body, CONTRACTOR_FIELDS);
    const body = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
    const parsed = createContractorBody.safeParse(body);
    if (!parsed.success) {
      const v = await contractorsView(request, { values, errors: zodErrors(parsed.error), problem: c.t('Periksa isian yang ditandai.', 'Check the marked fields.'), created: null }, 422);
      return sendPage(reply, v.page, v.status);
    }
    try {
      const created = await service.contractors.create(metaOf(request), parsed.data);
      const v = await contractorsView(request, { values: {}, errors: [], problem: null, created: created.name }, 200);
      return sendPage(reply, v.page, v.status);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      const v = await contractorsView(request, { values, errors: err.errors ?? [], problem: err.detailText?.[c.lang] ?? err.message, created: null }, err.status);
      return sendPage(reply, v.page, v.status);
    }
  });

}
