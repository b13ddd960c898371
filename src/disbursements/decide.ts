// POST /v1/disbursements: one decision, one transaction. Refresh what is stale first (outside any
// lock and transaction). Then: take the key's lock and the project's row lock and read, after the
// lock, the project, its approvals and roster version (one round trip); evaluate the pure policy
// on the cached roster; store decision, evidence, approval, idempotency key and the audit event in
// one statement (the append locks the chain's head last, so only the commit follows under it);
// commit without waiting for the disk, and answer once the commit is durable (a flush shared with
// concurrent decisions).
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { createWalFlusher } from '../db/client.ts';
import { decisionsTotal } from '../ops/metrics.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { validationFailed } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { errorMessage, withinDeadline } from '../memberships/deadline.ts';
import { projectNotFound } from '../projects/access.ts';
import { seesWorkerIdentities } from './access.ts';
import type { Decision } from './decision.ts';
import { evidenceDocument, evidenceSha256, providerFailureOf, type ProviderFailure } from './evidence.ts';
import type { Gate } from './gate.ts';
import { advisoryLockKey, createInFlight, inProgress, keyReused, requestSha256 } from './idempotency.ts';
import { renderDecision, storedReasons, type DecisionBody } from './render.ts';
import { beginDecision, decisionInserts, findDecision, type ProjectRef, type StoredKey } from './repository.ts';
import type { DecisionRequest } from './schemas.ts';
import { valueDateTooLate } from './value-date.ts';

export interface DecideOutcome {
  status: 200 | 201;
  replayed: boolean;
  body: DecisionBody;
}

const KNOWN_EVIDENCE_LIMIT = 10_000;
const PSEUDONYM_LIMIT = 100_000;

/** What a live upstream should refresh before a decision: distinct NIKs, and the registration if stale. */
interface Stale {
  niks: string[];
  registrationNumber: string | null;
}

/** Where provider trouble is reported (the request's logger); never with personal data. */
export interface Log {
  warn(obj: object, message: string): void;
}

const pastValueDate = (today: string) => validationFailed([{ path: 'valueDate', message: `must not be before today (${today})` }]);

export function createDecider(ctx: AppContext, gate: Gate) {
  const { db } = ctx.database;
  const inFlight = createInFlight();
  const flushWal = createWalFlusher(db);
  // Worker evidence known to be committed: it is append-only, so it need not be sent again.
  const knownEvidence = new Set<string>();
  const pseudonyms = new Map<string, string>();

  const pseudonym = (nik: string): string => {
    let value = pseudonyms.get(nik);
    if (value === undefined) {
      if (pseudonyms.size >= PSEUDONYM_LIMIT) pseudonyms.clear();
      value = ctx.pseudonymize(nik);
      pseudonyms.set(nik, value);
    }
    return value;
  };

  async function answerStored(meta: RequestMeta, stored: StoredKey, requestHash: string): Promise<DecideOutcome> {
    if (stored.requestSha256 !== requestHash) throw keyReused();
    // The stored decision may have been committed a moment ago without waiting for the disk.
    await flushWal();
    const row = await findDecision(db, stored.disbursementId);
    if (!row) throw new Error('idempotency key names a missing decision');
    const view = { full: seesWorkerIdentities(meta.auth, row.opdCode), lang: meta.lang };
    return { status: 200, replayed: true, body: renderDecision(row, view) };
  }

  /**
   * Live upstream only: refresh the stale memberships and registration a decision found, within
   * BPJS_DEADLINE_MS, outside any transaction. Whatever the provider did not manage in time stays
   * stale, and so is judged unverified. Answers what went wrong, for the evidence: a retryable
   * block that rests on a provider failure may be overridden (2.6, overrides/).
   */
  async function refresh(meta: RequestMeta, log: Log, stale: Stale): Promise<ProviderFailure | null> {
    const at = new Date().toISOString();
    const deadline = new Date(Date.now() + ctx.config.BPJS_DEADLINE_MS);
    const refreshMeta = { actor: meta.actor, requestId: meta.requestId };
    const calls: Array<() => Promise<unknown>> = [];
    const { niks, registrationNumber } = stale;
    if (niks.length > 0) calls.push(() => ctx.provider.refreshMemberships(niks, deadline, refreshMeta));
    if (registrationNumber !== null) calls.push(() => ctx.provider.refreshRegistrations([registrationNumber], deadline, refreshMeta));
    const outcomes = await withinDeadline(calls, deadline);
    if (outcomes.some((o) => o.status === 'late')) log.warn({ provider: ctx.provider.name }, 'membership provider missed the decision deadline');
    for (const o of outcomes) {
      if (o.status === 'failed') log.warn({ provider: ctx.provider.name, err: { message: errorMessage(o.error) } }, 'membership provider failed');
    }
    return providerFailureOf(outcomes, at);
  }

  /**
   * `mayRefresh`: with a live upstream, a transaction that finds stale data decides nothing and
   * answers what to refresh (the caller refreshes outside it and decides again, once).
   */
  async function decideInTransaction(
    meta: RequestMeta, body: DecisionRequest, ref: ProjectRef, key: string, requestHash: string, valueDate: string, today: string,
    mayRefresh: boolean, providerFailure: ProviderFailure | null = null,
  ) {
    const { sub } = meta.auth;
    return db.transaction(async (tx) => {
      const start = await beginDecision(tx, { lockKey: advisoryLockKey(sub, key), sub, key, ref, stage: body.stage, valueDate });
      if (!start.locked) throw inProgress();
      if (start.idem) return { kind: 'stored' as const, idem: start.idem };
      if (valueDate < today) throw pastValueDate(today);
      if (!start.inputs) throw projectNotFound();
      if (valueDate > start.inputs.valueDateLimit) throw valueDateTooLate(start.inputs.valueDateLimit);
      const { project, approvals, version } = start.inputs;

      const decidedAt = ctx.clock();
      const roster = await gate.rosterOf(tx, project.id, version);
      const holidays = await gate.holidaysFor(tx, project.startDate, valueDate);
      const request = { stage: body.stage, valueDate, final: body.final ?? false, amount: body.amount };
      const inputs = { head: project, approvals, approvedTotal: Number(start.inputs.approvedTotal), holidays };
      const e = gate.evaluateRequest(inputs, request, roster, decidedAt.getTime(), { memo: false });
      if (mayRefresh && (e.checked.staleNiks.length > 0 || e.staleRegistration !== null)) {
        return { kind: 'stale' as const, stale: { niks: e.checked.staleNiks, registrationNumber: e.staleRegistration } };
      }
      const { result } = e;
      const evidence = { ...evidenceDocument(e.evidence, e.checked.sha256), ...(providerFailure ? { providerFailure } : {}) };
      const hash = evidenceSha256(evidence);
      const record: Decision = {
        id: randomUUID(),
        projectId: project.id,
        projectCode: project.code,
        opdCode: project.opdCode,
        stage: body.stage,
        amount: body.amount,
        requestRef: body.requestRef,
        final: result.final,
        decision: result.decision,
        reasons: storedReasons(result),
        summary: result.summary,
        policyId: result.policy.id,
        policyVersion: result.policy.version,
        periodFrom: result.period.from,
        periodTo: result.period.to,
        valueDate,
        decidedAt: decidedAt.toISOString(),
        auditSeq: null,
        voided: null,
        requestedBy: sub,
        evidenceSha256: hash,
      };
      const inserts = decisionInserts(
        { ...record, evidence, decidedAt },
        { key, requestSha256: requestHash },
        knownEvidence.has(e.checked.sha256) ? null : e.checked,
      );
      const event = await appendAudit(tx, {
        actor: meta.actor,
        action: 'disbursement.decided',
        entityType: 'disbursement',
        entityId: record.id,
        data: {
          projectId: record.projectId,
          stage: record.stage,
          amount: record.amount,
          requestRef: record.requestRef,
          valueDate,
          final: record.final,
          decision: record.decision,
          // Workers appear only as keyed pseudonyms: the chain stays verifiable after erasure.
          reasons: result.reasons.map((r) => ({ code: r.code, ...(r.workers ? { workers: r.workers.map((w) => pseudonym(w.nik)) } : {}) })),
          policy: result.policy,
          evidenceSha256: hash,
        },
        requestId: meta.requestId,
        // The webhook shows the decision as finance sees it: masked NIKs, no names.
        notify: ctx.outbox.notice('disbursement.decided', project.opdCode, renderDecision(record, { full: false, lang: 'id' }), 'auditSeq'),
      }, ctx.clock, inserts);
      return { kind: 'decided' as const, record: { ...record, auditSeq: event.seq }, workersSha256: e.checked.sha256 };
    });
  }

  async function decide(meta: RequestMeta, body: DecisionRequest, key: string, log: Log): Promise<DecideOutcome> {
    const release = inFlight.claim(meta.auth.sub, key);
    try {
      const requestHash = requestSha256(body);
      const ref: ProjectRef = body.projectId !== undefined ? { id: body.projectId } : { code: body.projectCode ?? '' };
      // Change 11: one "today" per request, fixed when it arrived, for its value date and the past check.
      const today = ctx.today();
      const valueDate = body.valueDate ?? today;
      // Staleness comes from the cached roster (keyed by the roster version) and the project's
      // registration row, both read in the transaction anyway: when nothing is stale, deciding
      // costs no extra query. When something is, that transaction ends without a decision, the
      // refresh runs outside it (no lock held while the upstream answers), and we decide again.
      let mayRefresh = ctx.provider.name !== 'snapshot';
      let providerFailure: ProviderFailure | null = null;
      for (let attempt = 1; ; attempt++) {
        try {
          const outcome = await decideInTransaction(meta, body, ref, key, requestHash, valueDate, today, mayRefresh, providerFailure);
          if (outcome.kind === 'stored') return answerStored(meta, outcome.idem, requestHash);
          if (outcome.kind === 'stale') {
            providerFailure = await refresh(meta, log, outcome.stale);
            mayRefresh = false;
            attempt--;
            continue;
          }
          // Committed without waiting for the disk; answer only once it is durable. Should the
          // server crash before, the caller has no answer and retries with the same key.
          await flushWal();
          if (knownEvidence.size >= KNOWN_EVIDENCE_LIMIT) knownEvidence.clear();
          knownEvidence.add(outcome.workersSha256);
          decisionsTotal.inc({ decision: outcome.record.decision });
          const view = { full: seesWorkerIdentities(meta.auth, outcome.record.opdCode), lang: meta.lang };
          return { status: 201, replayed: false, body: renderDecision(outcome.record, view) };
        } catch (err) {
          // The project lock makes both impossible in practice; should the database still refuse
          // (an approval or the key committed meanwhile), deciding again sees it: a BLOCKED
          // STAGE_ALREADY_APPROVED decision, or the stored answer for the key.
          const raced = isUniqueViolation(err, 'approved_stages_project_id_stage_pk') || isUniqueViolation(err, 'idempotency_keys_sub_key_pk');
          if (!raced || attempt >= 3) throw err;
        }
      }
    } finally {
      release();
    }
  }

  return { decide };
}
