// Reading, voiding and replaying decisions. Finance sees only what it requested; an OPD sees its
// own projects' decisions; inspector and admin see all. Anything else is a 404.
import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { hasRole, type AuthContext } from '../http/auth.ts';
import { createdAtIdCursor, decodeCursor, encodeCursor } from '../http/pagination.ts';
import { AppError } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { evaluate, maskNik, type PolicyResult } from '../policy/index.ts';
import { evidenceIntact, policyInputOf, registrationEvidence, type EvidenceDocument } from './evidence.ts';
import { seesWorkersOf } from './gate.ts';
import { canonicalJson, type EvidenceWorker } from './roster.ts';
import { recordOf, renderDecision, renderReasons, storedReasons, type StoredReason, type View } from './render.ts';
import {
  findDecision, findEvidenceWorkers, insertVoid, isVoided, listDecisions, lockDecisionForVoid, type DecisionRow,
} from './repository.ts';
import type { listQuery } from './schemas.ts';
import type { z } from 'zod';

export const decisionNotFound = (): AppError =>
  new AppError('NOT_FOUND', { detail: { id: 'Keputusan pencairan tidak ditemukan', en: 'Disbursement decision not found' } });

export function canReadDecision(auth: AuthContext, d: { requestedBy: string; opdCode: string }): boolean {
  if (hasRole(auth, 'admin', 'inspector')) return true;
  if (hasRole(auth, 'finance') && d.requestedBy === auth.sub) return true;
  return hasRole(auth, 'opd') && auth.opd === d.opdCode;
}

const canVoidDecision = (auth: AuthContext, d: { requestedBy: string }): boolean =>
  hasRole(auth, 'admin') || (hasRole(auth, 'finance') && d.requestedBy === auth.sub);

/** What the caller may list, as SQL over `d` (disbursements) and `p` (projects). */
function listScope(auth: AuthContext): SQL {
  if (hasRole(auth, 'admin', 'inspector')) return sql`true`;
  const parts: SQL[] = [];
  if (hasRole(auth, 'finance')) parts.push(sql`d.requested_by = ${auth.sub}`);
  if (hasRole(auth, 'opd') && auth.opd) parts.push(sql`p.opd_code = ${auth.opd}`);
  return parts.length === 0 ? sql`false` : sql`(${sql.join(parts, sql` or `)})`;
}

const isDate = (value: string): boolean => value.length === 10;

/** What replay compares of the reasons: the policy's judgement, not how it is worded or shown. */
const reasonOutline = (reasons: readonly StoredReason[]) =>
  reasons.map((r) => ({ code: r.code, severity: r.severity, retryable: r.retryable, workers: r.workers?.map((w) => w.assignmentId) ?? null }));

function evidenceEntries(workers: readonly EvidenceWorker[], result: PolicyResult, view: View) {
  const judged = new Map(result.workers.map((w) => [w.assignmentId, w]));
  return workers.map((w) => {
    const j = judged.get(w.assignmentId);
    const m = w.membership;
    return {
      assignmentId: w.assignmentId,
      nik: view.full ? w.nik : maskNik(w.nik),
      ...(view.full ? { name: w.name, kpj: w.kpj } : {}),
      assignment: { startDate: w.startDate, endDate: w.endDate },
      lookup: w.lookup,
      membership: m === null ? null : { ...m, nik: view.full ? m.nik : maskNik(m.nik), ...(view.full ? {} : { kpj: undefined }) },
      verifiedAt: w.verifiedAt,
      outcome: j?.outcome ?? 'UNVERIFIED',
      codes: j?.codes ?? [],
    };
  });
}

export function createDisbursementService(ctx: AppContext) {
  const { db } = ctx.database;

  async function visibleDecision(meta: RequestMeta, id: string) {
    const row = await findDecision(db, id, true);
    if (!row || !canReadDecision(meta.auth, row)) throw decisionNotFound();
    return row as DecisionRow & { evidence: EvidenceDocument };
  }

  async function reEvaluate(row: DecisionRow & { evidence: EvidenceDocument }) {
    const workers = await findEvidenceWorkers(db, row.evidence.workersSha256);
    if (workers === null) throw new Error(`evidence ${row.evidence.workersSha256} of decision ${row.id} is missing`);
    return { workers, result: evaluate(row.policyVersion, policyInputOf(row.evidence, workers)) };
  }

  return {
    async get(meta: RequestMeta, id: string) {
      const row = await visibleDecision(meta, id);
      const view = { full: seesWorkersOf(meta.auth, row.opdCode), lang: meta.lang };
      // Outcomes and codes are recomputed from the stored input: evaluation is pure.
      const { workers, result } = await reEvaluate(row);
      return {
        ...renderDecision(recordOf(row), view),
        evidenceSha256: row.evidenceSha256,
        registration: registrationEvidence(row.evidence),
        evidence: evidenceEntries(workers, result, view),
      };
    },

    async replay(meta: RequestMeta, id: string) {
      const row = await visibleDecision(meta, id);
      const view = { full: seesWorkersOf(meta.auth, row.opdCode), lang: meta.lang };
      const { workers, result } = await reEvaluate(row);
      const matches = result.decision === row.decision
        && result.period.from === row.periodFrom && result.period.to === row.periodTo
        && canonicalJson(result.summary) === canonicalJson(row.summary)
        && canonicalJson(reasonOutline(storedReasons(result))) === canonicalJson(reasonOutline(row.reasons));
      return {
        matches,
        evidenceIntact: evidenceIntact(row.evidence, row.evidenceSha256, workers),
        decision: result.decision,
        reasons: renderReasons(storedReasons(result), row.stage, view),
        summary: result.summary,
        period: result.period,
        policy: result.policy,
      };
    },

    async list(meta: RequestMeta, q: z.infer<typeof listQuery>) {
      const tz = ctx.config.LOCAL_TIMEZONE;
      const after = decodeCursor(q.cursor, createdAtIdCursor);
      const from = q.from === undefined ? undefined
        : isDate(q.from) ? sql`d.decided_at >= (${q.from}::date::timestamp at time zone ${tz})` : sql`d.decided_at >= ${q.from}::timestamptz`;
      const to = q.to === undefined ? undefined
        : isDate(q.to) ? sql`d.decided_at < ((${q.to}::date + 1)::timestamp at time zone ${tz})` : sql`d.decided_at <= ${q.to}::timestamptz`;
      const found = await listDecisions(db, { scope: listScope(meta.auth), projectId: q.projectId, decision: q.decision, from, to, after, limit: q.limit });
      const page = found.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => renderDecision(recordOf(row), { full: seesWorkersOf(meta.auth, row.opdCode), lang: meta.lang })),
        nextCursor: found.length > q.limit && last ? encodeCursor([last.cursorAt, last.id]) : null,
      };
    },

    /** Voids an APPROVED decision under the project lock, freeing its stage for a new request. */
    async void(meta: RequestMeta, id: string, reason: string) {
      await db.transaction(async (tx) => {
        const d = await lockDecisionForVoid(tx, id);
        if (!d || !canVoidDecision(meta.auth, d)) throw decisionNotFound();
        if (d.decision !== 'APPROVED') {
          throw new AppError('NOT_VOIDABLE', { detail: { id: 'Hanya keputusan APPROVED yang dapat dibatalkan; keputusan ini BLOCKED', en: 'Only APPROVED decisions can be voided; this one is BLOCKED' } });
        }
        if (await isVoided(tx, id)) throw new AppError('ALREADY_VOIDED');
        await insertVoid(tx, { id, at: ctx.clock(), by: meta.auth.sub, reason });
        await appendAudit(tx, {
          actor: meta.actor, action: 'disbursement.voided', entityType: 'disbursement', entityId: id,
          data: { projectId: d.projectId, stage: d.stage, reason }, requestId: meta.requestId,
        }, ctx.clock);
      });
      const row = await findDecision(db, id);
      if (!row) throw decisionNotFound();
      return renderDecision(recordOf(row), { full: seesWorkersOf(meta.auth, row.opdCode), lang: meta.lang });
    },
  };
}
