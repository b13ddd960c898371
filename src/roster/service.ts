import type { Readable } from 'node:stream';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { AuthContext } from '../http/auth.ts';
import { AppError, validationFailed } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { recordSpanChange, removeAssignment } from '../policy/recorded-span.ts';
import { canManageProject, projectNotFound, seesPersonalDataOf } from '../projects/access.ts';
import { withBestCoverage } from './best-coverage.ts';
import { rosterFromCsv, rosterFromJson } from './input.ts';
import {
  activeSpans, countActive, endWorker, findAssignment, findProject, findWorker, insertWorker, isActive, listWorkers, replaceRoster,
  type IncomingWorker, type ProjectRef,
} from './repository.ts';
import { MAX_WORKERS, type Worker, type WorkerInput, type WorkerRow } from './schemas.ts';

export type RosterBody = { format: 'json'; body: unknown } | { format: 'csv'; body: Readable };

const assignmentNotFound = (): AppError =>
  new AppError('NOT_FOUND', { detail: { id: 'Penugasan aktif tidak ditemukan pada paket ini', en: 'No active assignment with this id on this project' } });

const unconfirmedEmpty = (): AppError =>
  validationFailed([{
    path: 'query.confirmEmpty',
    message: 'the new roster is empty and would end every active assignment; send ?confirmEmpty=true if that is meant',
  }]);

export function createRosterService(ctx: AppContext) {
  const { db } = ctx.database;

  /** Another OPD's project is a 404 (never 403), so its existence does not leak. */
  async function manageable(executor: Executor, auth: AuthContext, projectId: string, lock: boolean): Promise<ProjectRef> {
    const project = await findProject(executor, projectId, lock);
    if (!project || !canManageProject(auth, project.opdCode)) throw projectNotFound();
    return project;
  }

  const toRow = (w: WorkerInput): WorkerRow => ({ nik: w.nik, name: w.name, kpj: w.kpj ?? null, role: w.role, startDate: w.startDate, endDate: w.endDate ?? null });

  return {
    async list(meta: RequestMeta, projectId: string, includeEnded: boolean): Promise<Worker[]> {
      const project = await findProject(db, projectId);
      // A roster is personal data: as for any other OPD's project, 404 unless the caller may see it.
      if (!project || !seesPersonalDataOf(meta.auth, project.opdCode)) throw projectNotFound();
      const today = ctx.today();
      const workers = (await listWorkers(db, projectId, includeEnded)).map((w) => withBestCoverage(w, project, today));
      ctx.accessLog.record(meta, workers.length);
      return workers;
    },

    async replace(meta: RequestMeta, projectId: string, input: RosterBody, confirmEmpty = false) {
      // Scope first, so a CSV for someone else's project is not even read; then validate it all.
      await manageable(db, meta.auth, projectId, false);
      const workers = input.format === 'json' ? rosterFromJson(input.body) : await rosterFromCsv(input.body);
      return db.transaction(async (tx) => {
        await manageable(tx, meta.auth, projectId, true);
        // An empty roster (often a header-only CSV exported by mistake) would end everyone at once.
        if (workers.length === 0 && !confirmEmpty && (await countActive(tx, projectId)) > 0) throw unconfirmedEmpty();
        // The recorded-span rule (policy/recorded-span.ts) decides, per worker, what an edit records
        // and whether a removal cancels: computed here once, applied by one statement.
        const today = ctx.today();
        const spans = new Map((await activeSpans(tx, projectId)).map((s) => [s.nik, s]));
        const incoming: IncomingWorker[] = workers.map((w) => {
          const before = spans.get(w.nik);
          return { ...w, ...(before ? recordSpanChange(before, w, today) : { reportedStartDate: null, reportedEndDate: null }) };
        });
        const kept = new Set(workers.map((w) => w.nik));
        const cancel = [...spans.values()].filter((s) => !kept.has(s.nik) && removeAssignment(s, today).kind === 'cancel').map((s) => s.nik);
        const outcome = await replaceRoster(tx, { projectId, workers: incoming, cancel, today, now: ctx.clock(), by: meta.auth.sub });
        const counts = {
          added: outcome.added.length,
          removed: outcome.removed.length,
          updated: outcome.updated.length,
          unchanged: outcome.total - outcome.added.length - outcome.updated.length,
          total: outcome.total,
        };
        // Workers appear only as keyed pseudonyms; unchanged workers are not listed.
        const pseudonyms = (niks: string[]) => niks.map(ctx.pseudonymize);
        await appendAudit(tx, {
          actor: meta.actor, action: 'roster.replaced', entityType: 'project', entityId: projectId,
          data: {
            ...counts,
            workers: {
              added: pseudonyms(outcome.added), updated: pseudonyms(outcome.updated), removed: pseudonyms(outcome.removed),
              cancelled: pseudonyms(outcome.cancelled),
            },
          },
          requestId: meta.requestId,
        }, ctx.clock);
        return counts;
      });
    },

    add: (meta: RequestMeta, projectId: string, input: WorkerInput): Promise<Worker> =>
      db.transaction(async (tx) => {
        const project = await manageable(tx, meta.auth, projectId, true);
        const worker = toRow(input);
        const alreadyOn = () =>
          new AppError('WORKER_ALREADY_ON_ROSTER', { detail: { id: 'NIK ini sudah ada di daftar pekerja aktif paket ini', en: 'This NIK is already on the active roster of this project' } });
        if (await isActive(tx, projectId, worker.nik)) throw alreadyOn();
        if ((await countActive(tx, projectId)) >= MAX_WORKERS) {
          throw validationFailed([{ path: 'nik', message: `the roster already holds the maximum of ${MAX_WORKERS} active workers` }]);
        }
        let assignmentId: string;
        try {
          assignmentId = await insertWorker(tx, { projectId, worker, now: ctx.clock(), by: meta.auth.sub });
        } catch (err) {
          if (isUniqueViolation(err)) throw alreadyOn();
          throw err;
        }
        await appendAudit(tx, {
          actor: meta.actor, action: 'roster.worker_added', entityType: 'assignment', entityId: assignmentId,
          data: { projectId, worker: ctx.pseudonymize(worker.nik), startDate: worker.startDate, endDate: worker.endDate },
          requestId: meta.requestId,
        }, ctx.clock);
        const created = await findWorker(tx, assignmentId);
        if (!created) throw new Error('assignment vanished');
        return withBestCoverage(created, project, ctx.today());
      }),

    end: (meta: RequestMeta, projectId: string, assignmentId: string): Promise<Worker> =>
      db.transaction(async (tx) => {
        const project = await manageable(tx, meta.auth, projectId, true);
        const today = ctx.today();
        const span = await findAssignment(tx, projectId, assignmentId);
        if (!span || span.removed) throw assignmentNotFound();
        const cancel = removeAssignment(span, today).kind === 'cancel';
        const ended = await endWorker(tx, { projectId, assignmentId, cancel, today, now: ctx.clock(), by: meta.auth.sub });
        if (!ended) throw assignmentNotFound();
        await appendAudit(tx, {
          actor: meta.actor, action: 'roster.worker_ended', entityType: 'assignment', entityId: assignmentId,
          data: { projectId, worker: ctx.pseudonymize(ended.nik), endDate: ended.endDate, ...(cancel ? { cancelled: true } : {}) },
          requestId: meta.requestId,
        }, ctx.clock);
        const worker = await findWorker(tx, assignmentId);
        if (!worker) throw new Error('assignment vanished');
        return withBestCoverage(worker, project, today);
      }),
  };
}
