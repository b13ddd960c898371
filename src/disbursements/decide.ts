// POST /v1/disbursements: one decision. Refresh what is stale first (outside any lock and
// transaction). Then, usually in one statement that commits on its own: evaluate the pure policy
// on the cached roster and the inputs this process remembers of the project, and store decision,
// evidence, approval, idempotency key and the audit event only if the database, under the key's
// lock and the project's row lock, finds those inputs current (gerbang_decision_check, migration
// 0030); else evaluate again on the inputs it answers. With a webhook subscribed to decisions, in
// a transaction instead (its delivery jobs are written with the decision). The append locks the
// chain's head last, so only the commit follows under it; commit without waiting for the disk, and
// answer once the commit is durable (a flush shared with concurrent decisions).
import { randomUUID } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { appendAudit, auditAppendCall, auditEventOf, type AuditEntry } from '../audit/append.ts';
import type { AppContext } from '../context.ts';
import { createWalFlusher, type Executor } from '../db/client.ts';
import { decisionStatements, decisionsTotal } from '../ops/metrics.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { validationFailed } from '../http/problem.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { errorMessage, withinDeadline } from '../memberships/deadline.ts';
import { projectNotFound } from '../projects/access.ts';
import { seesWorkerIdentities } from './access.ts';
import type { Decision } from './decision.ts';
import { evidenceDocument, evidenceSha256, providerFailureOf, type ProviderFailure } from './evidence.ts';
import { createDecisionStates, createTurns, expectedInputs } from './decision-state.ts';
import type { Evaluation, Gate } from './gate.ts';
import { advisoryLockKey, createInFlight, inProgress, keyReused, requestSha256 } from './idempotency.ts';
import { renderDecision, storedReasons, type DecisionBody } from './render.ts';
import {
  beginDecision, decideInOneStatement, decisionInserts, findDecision, readDecision,
  type DecisionInputs, type ProjectHead, type ProjectRef, type StoredKey,
} from './repository.ts';
import type { DecisionRequest } from './schemas.ts';
import { valueDateTooLate } from './value-date.ts';

export interface DecideOutcome {
  status: 200 | 201;
  replayed: boolean;
  body: DecisionBody;
}

const KNOWN_EVIDENCE_LIMIT = 10_000;
const PSEUDONYM_LIMIT = 100_000;
/** Projects remembered between decisions (decision-state.ts): a few hundred bytes each. */
const KNOWN_PROJECTS_LIMIT = 10_000;
/** One-statement tries before a decision takes the transaction path (the project keeps changing). */
const ONE_STATEMENT_TRIES = 3;
const DECIDED = 'disbursement.decided';
/** How long an OPD found with a subscriber goes straight to the transaction path. */
const SUBSCRIBED_MEMORY_MS = 30_000;

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
  const states = createDecisionStates(KNOWN_PROJECTS_LIMIT);
  const turns = createTurns();
  // OPDs whose decisions a webhook hears: they take the transaction path for a while without
  // first trying the one statement that would only find the subscriber.
  const subscribedOpds = new Map<string, number>();

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

  /** The request evaluated on `inputs` (the roster cached per version, the holidays cached briefly). */
  async function evaluateOn(executor: Executor, inputs: DecisionInputs, body: DecisionRequest, valueDate: string, decidedAt: Date) {
    const { project, approvals, version } = inputs;
    const roster = await gate.rosterOf(executor, project.id, version);
    const holidays = await gate.holidaysFor(executor, project.startDate, valueDate);
    const request = { stage: body.stage, valueDate, final: body.final ?? false, amount: body.amount };
    const gateInputs = { head: project, approvals, approvedTotal: Number(inputs.approvedTotal), holidays };
    return gate.evaluateRequest(gateInputs, request, roster, decidedAt.getTime(), { memo: false });
  }

  const staleOf = (e: Evaluation): Stale | null =>
    e.checked.staleNiks.length > 0 || e.staleRegistration !== null ? { niks: e.checked.staleNiks, registrationNumber: e.staleRegistration } : null;

  /**
   * What a decision stores, from its evaluation: the decision, its inserts (decisionInserts,
   * `guarded` for the one-statement path) and its audit event (without the webhook notice, which
   * only the transaction path sends).
   */
  function prepare(
    meta: RequestMeta, body: DecisionRequest, project: ProjectHead, e: Evaluation, valueDate: string, decidedAt: Date,
    key: { key: string; requestSha256: string }, providerFailure: ProviderFailure | null, guarded: boolean,
  ) {
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
      requestedBy: meta.auth.sub,
      evidenceSha256: hash,
    };
    const inserts = decisionInserts({ ...record, evidence, decidedAt }, key, knownEvidence.has(e.checked.sha256) ? null : e.checked, guarded);
    const entry: AuditEntry = {
      actor: meta.actor,
      action: DECIDED,
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
    };
    return { record, inserts, entry, workersSha256: e.checked.sha256 };
  }

  /**
   * The decision in a transaction, under the project's lock from its first statement on: when a
   * webhook subscribes to decisions (its delivery jobs are written with the decision), or when the
   * project keeps changing under the one-statement path. `mayRefresh`: with a live upstream, a
   * transaction that finds stale data decides nothing and answers what to refresh (the caller
   * refreshes outside it and decides again, once).
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
      const { project } = start.inputs;
      const decidedAt = ctx.clock();
      const e = await evaluateOn(tx, start.inputs, body, valueDate, decidedAt);
      const stale = mayRefresh ? staleOf(e) : null;
      if (stale) return { kind: 'stale' as const, stale };
      const { record, inserts, entry, workersSha256 } = prepare(meta, body, project, e, valueDate, decidedAt, { key, requestSha256: requestHash }, providerFailure, false);
      // The webhook shows the decision as finance sees it: masked NIKs, no names.
      const notify = ctx.outbox.notice(DECIDED, project.opdCode, renderDecision(record, { full: false, lang: 'id' }), 'auditSeq');
      const event = await appendAudit(tx, { ...entry, notify }, ctx.clock, inserts);
      return { kind: 'decided' as const, record: { ...record, auditSeq: event.seq }, workersSha256 };
    });
  }

  /** The transaction path's own loop: refresh once when stale, decide again after a raced insert. */
  async function decideLocked(
    meta: RequestMeta, body: DecisionRequest, ref: ProjectRef, key: string, requestHash: string, valueDate: string, today: string,
    mayRefresh: boolean, providerFailure: ProviderFailure | null, log: Log,
  ): Promise<DecideOutcome> {
    decisionStatements.inc({ outcome: 'transaction' });
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
        states.forget(outcome.record.projectId);
        return answerDecided(meta, outcome.record, outcome.workersSha256);
      } catch (err) {
        // The project lock makes both impossible in practice; should the database still refuse
        // (an approval or the key committed meanwhile), deciding again sees it: a BLOCKED
        // STAGE_ALREADY_APPROVED decision, or the stored answer for the key.
        if (!raced(err) || attempt >= 3) throw err;
      }
    }
  }

  /** A decision committed without waiting for the disk: answer once it is durable. */
  async function answerDecided(meta: RequestMeta, record: Decision, workersSha256: string): Promise<DecideOutcome> {
    // Should the server crash before the flush, the caller has no answer and retries with the same key.
    await flushWal();
    if (knownEvidence.size >= KNOWN_EVIDENCE_LIMIT) knownEvidence.clear();
    knownEvidence.add(workersSha256);
    decisionsTotal.inc({ decision: record.decision });
    const view = { full: seesWorkerIdentities(meta.auth, record.opdCode), lang: meta.lang };
    return { status: 201, replayed: false, body: renderDecision(record, view) };
  }

  /**
   * One decision. Usually one statement: the request is evaluated on the inputs this process
   * remembers of the project (decision-state.ts), or reads them first when it does not know the
   * project (or must answer a stored key or a refusal from current data); then
   * decideInOneStatement stores it only if those inputs are still the project's under its lock,
   * and otherwise answers the current ones to evaluate again. Staleness comes from the cached
   * roster (keyed by the roster version) and the project's registration row: when something is
   * stale, the refresh runs outside any lock (the upstream may take BPJS_DEADLINE_MS) and the
   * decision reads again. A webhook subscribed to decisions, or a project changing under three
   * statements in a row, sends the decision to the transaction path (decideLocked). Decisions of
   * one project take turns in this process (decision-state.ts createTurns), so that they do not
   * find each other's approvals and retry.
   */
  async function decide(meta: RequestMeta, body: DecisionRequest, key: string, log: Log): Promise<DecideOutcome> {
    const release = inFlight.claim(meta.auth.sub, key);
    let letGo: (() => void) | null = null;
    try {
      const requestHash = requestSha256(body);
      const { sub } = meta.auth;
      const ref: ProjectRef = body.projectId !== undefined ? { id: body.projectId } : { code: body.projectCode ?? '' };
      // Change 11: one "today" per request, fixed when it arrived, for its value date and the past check.
      const today = ctx.today();
      const valueDate = body.valueDate ?? today;
      const request = { lockKey: advisoryLockKey(sub, key), sub, key, stage: body.stage, valueDate };
      let mayRefresh = ctx.provider.name !== 'snapshot';
      let providerFailure: ProviderFailure | null = null;
      let inputs: DecisionInputs | null = null;
      let guessed = false;
      let ownLockWaits = 0;
      // This project's turn in this process, from the inputs to the stored decision (not while the
      // upstream refreshes, nor while the commit is flushed).
      const turnKey = 'id' in ref ? ref.id : (states.find(ref)?.project.id ?? `code:${ref.code}`);
      for (let statements = 0; ;) {
        letGo ??= await turns(turnKey);
        if (inputs === null) {
          // A past value date is refused from current data, after the stored answer for the key.
          const known = valueDate < today ? undefined : states.find(ref);
          if (known !== undefined) {
            inputs = expectedInputs(known, body.stage, valueDate);
            guessed = true;
          } else {
            const read = await readDecision(db, { ...request, ref });
            if (!read.locked && ownLockWaits > 0) {
              // Most likely this request's own failed statement: see OWN_LOCK_WAITS.
              ownLockWaits--;
              await setTimeout(OWN_LOCK_WAIT_MS);
              continue;
            }
            if (!read.locked) throw inProgress();
            if (read.idem) return answerStored(meta, read.idem, requestHash);
            if (valueDate < today) throw pastValueDate(today);
            if (!read.inputs) throw projectNotFound();
            states.remember(read.inputs, read.latest ?? null, body.stage);
            inputs = read.inputs;
            guessed = false;
          }
        }
        if (valueDate > inputs.valueDateLimit) {
          if (!guessed) throw valueDateTooLate(inputs.valueDateLimit);
          // Refuse from current data only: forgetting the project makes the next turn read it.
          states.forget(inputs.project.id);
          inputs = null;
          continue;
        }
        if (statements >= ONE_STATEMENT_TRIES || (subscribedOpds.get(inputs.project.opdCode) ?? 0) > Date.now()) return decideLocked(meta, body, ref, key, requestHash, valueDate, today, mayRefresh, providerFailure, log);
        const decidedAt = ctx.clock();
        const e = await evaluateOn(db, inputs, body, valueDate, decidedAt);
        const stale = mayRefresh ? staleOf(e) : null;
        if (stale) {
          letGo();
          letGo = null;
          providerFailure = await refresh(meta, log, stale);
          mayRefresh = false;
          states.forget(inputs.project.id);
          inputs = null; // the refresh changed the roster's version: read again
          continue;
        }
        const project = inputs.project;
        const { record, inserts, entry, workersSha256 } = prepare(meta, body, project, e, valueDate, decidedAt, { key, requestSha256: requestHash }, providerFailure, true);
        const approveAmount = record.decision === 'APPROVED' ? record.amount : null;
        const { call, body: event } = auditAppendCall(entry, ctx.clock);
        statements++;
        let outcome: Awaited<ReturnType<typeof decideInOneStatement>>;
        try {
          outcome = await decideInOneStatement(db, { ...request, ref: { id: project.id } }, inputs, approveAmount, DECIDED, inserts, call);
        } catch (err) {
          // The locks make it impossible in practice; should the database still refuse (an approval
          // or the key committed meanwhile), reading again shows it.
          if (!raced(err)) throw err;
          inputs = null;
          states.forget(project.id);
          ownLockWaits = OWN_LOCK_WAITS;
          continue;
        }
        const { check, appended } = outcome;
        if (!check.locked) throw inProgress();
        if (check.idem) return answerStored(meta, check.idem, requestHash);
        if (check.subscribed) {
          subscribedOpds.set(project.opdCode, Date.now() + SUBSCRIBED_MEMORY_MS);
          return decideLocked(meta, body, ref, key, requestHash, valueDate, today, false, providerFailure, log);
        }
        if (check.ok) {
          if (!check.after || !appended) throw new Error('the decision statement wrote without an answer');
          decisionStatements.inc({ outcome: 'stored' });
          states.decided(inputs, check.after, body.stage, approveAmount !== null && body.stage !== null ? { stage: body.stage, valueDate } : null);
          // The next decision of the project may start from what this one left; the flush is not its business.
          letGo();
          letGo = null;
          return answerDecided(meta, { ...record, auditSeq: auditEventOf(event, appended).seq }, workersSha256);
        }
        if (!check.inputs) throw projectNotFound();
        // The project changed since: evaluate again on what it is now.
        decisionStatements.inc({ outcome: 'changed' });
        states.remember(check.inputs, check.latest ?? null, body.stage);
        inputs = check.inputs;
        guessed = false;
      }
    } finally {
      letGo?.();
      release();
    }
  }

  return { decide };
}

/**
 * A statement that fails outside a transaction lets go of its locks only once PostgreSQL has
 * aborted it, which it does after it has sent the error: the read that follows a raced statement
 * (on another pooled connection) may still find the key's advisory lock held by that very
 * statement. No other request of this process holds the key (inFlight), so the read waits for it,
 * up to 20 x 5 ms, before answering IDEMPOTENCY_IN_PROGRESS (then another process holds the key).
 */
const OWN_LOCK_WAITS = 20;
const OWN_LOCK_WAIT_MS = 5;

/** A unique key refused an approval or an idempotency key that committed meanwhile. */
const raced = (err: unknown): boolean =>
  isUniqueViolation(err, 'approved_stages_project_id_stage_pk') || isUniqueViolation(err, 'idempotency_keys_sub_key_pk');
