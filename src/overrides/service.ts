// Overrides (2.6), maker-checker: finance asks to release a decision BLOCKED only because proof
// could not be had while BPJS's service failed; a different person holding `treasury` (or admin)
// approves or rejects. Every step is a new row and an audit event; nothing is updated.
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { flushWal, type Executor } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { decisionNotFound, seesWorkerIdentities } from '../disbursements/access.ts';
import type { StoredReason } from '../disbursements/decision.ts';
import { evidenceSha256 } from '../disbursements/evidence.ts';
import { renderDecision } from '../disbursements/render.ts';
import { valueDateTooLate } from '../disbursements/value-date.ts';
import { findDecision } from '../disbursements/repository.ts';
import { holidaysOfYears } from '../holidays/repository.ts';
import { hasRole } from '../http/auth.ts';
import { createdAtIdCursor, decodeCursor, encodeCursor } from '../http/pagination.ts';
import { AppError, notFound } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { addDays, toDayNumber } from '../policy/dates.ts';
import { addWorkingDays, yearsOf } from '../policy/working-days.ts';
import {
  findBlockedDecision, findLockedRequest, findRequest, insertApproval, insertRejection, insertRequest, listRequests, lockProjectOf,
  requestedDecisionOf, type BlockedDecision, type OverrideRow,
} from './repository.ts';
import type { CreateOverride, OverrideState } from './schemas.ts';

const EXPIRY_WORKING_DAYS = 3;
const OVERRIDABLE = new Set(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);

const requestNotFound = () => notFound({ id: 'Permohonan override tidak ditemukan', en: 'Override request not found' });

/** Why a decision may not be overridden, or null when it may (2.6). */
function refusal(d: BlockedDecision): { id: string; en: string } | null {
  if (d.decision !== 'BLOCKED') return { id: 'Hanya keputusan BLOCKED yang dapat di-override', en: 'Only a BLOCKED decision can be overridden' };
  const blocks = d.reasons.filter((r) => r.severity === 'block');
  const proven = blocks.filter((r) => !r.retryable || !OVERRIDABLE.has(r.code)).map((r) => r.code);
  if (proven.length > 0) {
    return { id: `Pelanggaran yang terbukti tidak dapat di-override: ${proven.join(', ')}`, en: `A proven violation is never overridable: ${proven.join(', ')}` };
  }
  // A provider failure is recorded only by a refresh, which only a live upstream makes (either policy version).
  if (!d.evidence.providerFailure) {
    return {
      id: 'Bukti keputusan tidak mencatat kegagalan layanan BPJS (mode snapshot tidak dapat di-override)',
      en: 'The decision\'s evidence records no failure of the BPJS service (nothing is overridable in snapshot mode)',
    };
  }
  return null;
}

function view(r: OverrideRow) {
  const { decisionRequestedBy: _d, cursorAt: _c, ...rest } = r;
  return rest;
}

export function createOverrideService(ctx: AppContext) {
  const { db } = ctx.database;

  /** 3 working days after the local date it was asked on, at the same time of day. */
  async function expiryOf(executor: Executor, at: Date): Promise<Date> {
    const today = ctx.today();
    const holidays = await holidaysOfYears(executor, yearsOf(today, addDays(today, 30)));
    const last = addWorkingDays(today, EXPIRY_WORKING_DAYS, holidays);
    return new Date(at.getTime() + (toDayNumber(last) - toDayNumber(today)) * 86_400_000);
  }

  async function answer(meta: RequestMeta, id: string, state: 'APPROVED' | 'REJECTED', note: string) {
    const { sub } = meta.auth;
    // The Inspektorat audits and never approves payments, whatever else its token holds (admin aside).
    if (hasRole(meta.auth, 'inspector') && !hasRole(meta.auth, 'admin')) throw new AppError('FORBIDDEN');
    const outcome = await db.transaction(async (tx) => {
      const disbursementId = await requestedDecisionOf(tx, id);
      if (!disbursementId) throw requestNotFound();
      // The project's lock first, as every decision takes it; then everything judged under it.
      await lockProjectOf(tx, disbursementId);
      const r = await findLockedRequest(tx, id);
      if (!r) throw requestNotFound();
      if (r.requestedBy === sub) throw new AppError('SAME_PERSON');
      if (r.answered) throw new AppError('OVERRIDE_DECIDED');
      const now = ctx.clock();
      if (now.getTime() >= r.expiresAtMs) throw new AppError('OVERRIDE_EXPIRED');
      const original = await findBlockedDecision(tx, r.disbursementId, now);
      if (!original) throw new Error(`override request ${id} names a missing decision`);
      const request = { requestId: id, requestedBy: r.requestedBy, decidedBy: sub, note };
      if (state === 'REJECTED') {
        await insertRejection(tx, { ...request, at: now });
        await appendAudit(tx, {
          actor: meta.actor, action: 'override.rejected', entityType: 'override_request', entityId: id,
          data: { disbursementId: original.id, note }, requestId: meta.requestId,
          // The note is free text: it stays in the audit chain, out of webhook bodies (no personal data there).
          notify: ctx.outbox.notice('override.decided', original.opdCode, { id, disbursementId: original.id, state, decidedBy: sub }),
        }, ctx.clock);
        return { newId: null };
      }
      if (r.stageApproved) {
        throw new AppError('OVERRIDE_CONFLICT', { detail: { id: `Tahap ${original.stage} sudah disetujui`, en: `Stage ${original.stage} was approved meanwhile` } });
      }
      if (r.approvedTotal + original.amount > r.contractValue) {
        throw new AppError('OVERRIDE_CONFLICT', { detail: { id: 'Nilai kontrak akan terlampaui', en: 'The contract value would be exceeded' } });
      }
      const today = ctx.today();
      const valueDate = original.valueDate > today ? original.valueDate : today;
      if (valueDate > r.valueDateLimit) throw valueDateTooLate(r.valueDateLimit);
      const reasons: StoredReason[] = [...original.reasons, { code: 'OVERRIDDEN', severity: 'warn', retryable: false }];
      const approvedAt = now.toISOString();
      const evidence = { ...original.evidence, override: { requestId: id, from: original.id, requestedBy: r.requestedBy, approvedBy: sub, approvedAt } };
      const hash = evidenceSha256(evidence);
      const newId = randomUUID();
      try {
        await insertApproval(tx, { id: newId, from: original, valueDate, reasons, evidence, evidenceSha256: hash, decidedAt: now }, request);
      } catch (err) {
        if (isUniqueViolation(err, 'approved_stages_project_id_stage_pk')) throw new AppError('OVERRIDE_CONFLICT');
        throw err;
      }
      // The new decision as finance sees it, for its disbursement.decided webhook (masked NIKs, no names).
      const created = await findDecision(tx, newId);
      if (!created) throw new Error(`override decision ${newId} was not stored`);
      const decided = await appendAudit(tx, {
        actor: meta.actor, action: 'disbursement.decided', entityType: 'disbursement', entityId: newId,
        data: {
          projectId: original.projectId, stage: original.stage, amount: original.amount, requestRef: original.requestRef, valueDate,
          final: original.final, decision: 'APPROVED', reasons: reasons.map((x) => ({ code: x.code })),
          policy: { id: original.policyId, version: original.policyVersion }, evidenceSha256: hash, overriddenFrom: original.id, overrideRequestId: id,
        },
        requestId: meta.requestId,
        notify: ctx.outbox.notice('disbursement.decided', original.opdCode, renderDecision(created, { full: false, lang: 'id' }), 'auditSeq'),
      }, ctx.clock);
      await appendAudit(tx, {
        actor: meta.actor, action: 'override.approved', entityType: 'override_request', entityId: id,
        data: { disbursementId: original.id, newDisbursementId: newId, auditSeqOfDecision: decided.seq, note }, requestId: meta.requestId,
        notify: ctx.outbox.notice('override.decided', original.opdCode, { id, disbursementId: original.id, state, decidedBy: sub, newDisbursementId: newId }),
      }, ctx.clock);
      return { newId };
    });
    await flushWal(db);
    const row = await findRequest(db, id, ctx.clock());
    if (!row) throw requestNotFound();
    const created = outcome.newId ? await findDecision(db, outcome.newId) : null;
    return {
      ...view(row),
      ...(created ? { decision: renderDecision(created, { full: seesWorkerIdentities(meta.auth, created.opdCode), lang: meta.lang }) } : {}),
    };
  }

  return {
    async request(meta: RequestMeta, disbursementId: string, body: CreateOverride) {
      const { auth } = meta;
      const id = await db.transaction(async (tx) => {
        const now = ctx.clock();
        const locked = await lockProjectOf(tx, disbursementId);
        const d = locked ? await findBlockedDecision(tx, disbursementId, now) : null;
        // Finance asks only for decisions it requested; admin for any. Anyone else learns nothing.
        if (!d || !(hasRole(auth, 'admin') || (hasRole(auth, 'finance') && d.requestedBy === auth.sub))) throw decisionNotFound();
        const why = refusal(d);
        if (why) throw new AppError('OVERRIDE_NOT_ALLOWED', { detail: why });
        if (d.overriddenBy) throw new AppError('ALREADY_OVERRIDDEN');
        if (d.lastRequest?.pending) throw new AppError('OVERRIDE_PENDING');
        const expiresAt = await expiryOf(tx, now);
        let requestId: string;
        try {
          requestId = await insertRequest(tx, {
            disbursementId, reason: body.reason, evidenceRef: body.evidenceRef ?? null, requestedBy: auth.sub, at: now, expiresAt,
            follows: d.lastRequest?.id ?? null,
          });
        } catch (err) {
          // The chain's unique indexes: another request was made at the same moment.
          if (isUniqueViolation(err, 'override_requests_first_per_decision') || isUniqueViolation(err, 'override_requests_follows_key')) {
            throw new AppError('OVERRIDE_PENDING');
          }
          throw err;
        }
        const data = { id: requestId, disbursementId, projectId: d.projectId, stage: d.stage, amount: d.amount, requestedBy: auth.sub, expiresAt: expiresAt.toISOString() };
        await appendAudit(tx, {
          actor: meta.actor, action: 'override.requested', entityType: 'override_request', entityId: requestId,
          data: { ...data, reason: body.reason, evidenceRef: body.evidenceRef ?? null }, requestId: meta.requestId,
          notify: ctx.outbox.notice('override.requested', d.opdCode, data),
        }, ctx.clock);
        return requestId;
      });
      const row = await findRequest(db, id, ctx.clock());
      if (!row) throw requestNotFound();
      return view(row);
    },

    approve: (meta: RequestMeta, id: string, note: string) => answer(meta, id, 'APPROVED', note),
    reject: (meta: RequestMeta, id: string, note: string) => answer(meta, id, 'REJECTED', note),

    async list(meta: RequestMeta, q: { state?: OverrideState | undefined; opdCode?: string | undefined; limit: number; cursor?: string | undefined }) {
      const { auth } = meta;
      const all = hasRole(auth, 'admin', 'inspector', 'treasury');
      const after = decodeCursor(q.cursor, createdAtIdCursor);
      const found = await listRequests(db, { now: ctx.clock(), financeSub: all ? null : auth.sub, state: q.state, opdCode: q.opdCode, after, limit: q.limit });
      const page = found.slice(0, q.limit);
      const last = page.at(-1);
      return { items: page.map(view), nextCursor: found.length > q.limit && last ? encodeCursor([last.cursorAt, last.id]) : null };
    },

  };
}
