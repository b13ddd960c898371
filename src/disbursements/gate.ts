// What a decision and the compliance dry run share: turning stored rows into the policy's input
// under the version chosen for it (POLICY_VERSION), and evaluating it, with the roster cached per
// version and results memoised per exact input.
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import { holidaysOfYears } from '../holidays/repository.ts';
import {
  approvalsFor, checkedSet, evaluate, evaluateV2, type Period,
  type IsoDate, type PolicyApproval, type PolicyInput, type PolicyInputV2, type PolicyRegistration, type PolicyResult,
  type ProjectV2, type RegistrationV2,
} from '../policy/index.ts';
import { WeightedLru } from './lru.ts';
import { loadRoster, type ProjectHead } from './repository.ts';
import type { EvidenceInput } from './evidence.ts';
import { buildRoster, checkedWorkers, createRosterCache, type CheckedWorkers, type Roster } from './roster.ts';

const ROSTER_CACHE_ROWS = 250_000;
const RESULT_CACHE_WORKERS = 300_000;
// Holidays change by an admin's PUT a few times a year; a decision may read them a minute late.
const HOLIDAY_CACHE_MS = 60_000;

/** A request as the gate judges it: `amount` null for a dry run without one. */
export interface GateRequest {
  stage: string | null;
  valueDate: IsoDate;
  final: boolean;
  amount: number | null;
}

/** What a decision is judged on besides the roster: read together under the project lock. */
export interface GateInputs {
  head: ProjectHead;
  approvals: PolicyApproval[];
  approvedTotal: number;
  /** The deployment's holidays (gate.holidaysFor), for policy v2's working days. */
  holidays: ReadonlySet<IsoDate>;
}


export interface Evaluation {
  evidence: EvidenceInput;
  checked: CheckedWorkers;
  /** The project's registration number when a live upstream should refresh it (missing or too old record). */
  staleRegistration: string | null;
  result: PolicyResult;
}

/** The years whose holidays a request may need: from the year before the project's start to the year after the value date. */
export function holidayYears(projectStartDate: IsoDate, valueDate: IsoDate): number[] {
  const first = Number(projectStartDate.slice(0, 4)) - 1;
  const last = Math.max(first, Number(valueDate.slice(0, 4)) + 1);
  const years: number[] = [];
  for (let y = first; y <= last && years.length < 12; y++) years.push(y);
  return years;
}

export function createGate(ctx: AppContext) {
  const maxAgeMs = ctx.config.MEMBERSHIP_MAX_AGE_HOURS * 3_600_000;
  const policyVersion = ctx.config.POLICY_VERSION;
  const rosters = createRosterCache(ROSTER_CACHE_ROWS);
  // Evaluation is pure, so an identical input (same workers by content hash) gives the same result.
  const results = new WeightedLru<string, PolicyResult>(RESULT_CACHE_WORKERS, (r) => r.workers.length + 1);
  const holidayCache = new Map<string, { at: number; days: ReadonlySet<IsoDate> }>();

  function projectOf(head: ProjectHead): ProjectV2 {
    return {
      id: head.id,
      code: head.code,
      startDate: head.startDate,
      contractValue: Number(head.contractValue),
      vatPercent: head.vatPercent,
      bpjsRegistrationNumber: head.bpjsRegistrationNumber,
      bpjsPremiumPaid: Number(head.bpjsPremiumPaid),
      contractorEmployerNpp: head.contractorEmployerNpp,
    };
  }

  /** BPJS's registration record as it stands at `nowMs`: only a fresh row counts (either provider). */
  function registrationV2(head: ProjectHead, nowMs: number): RegistrationV2 {
    if (head.bpjsRegistrationNumber === null) return { state: 'NOT_FOUND' };
    if (head.regVerifiedAtMs === null || head.regVerifiedAtMs + maxAgeMs < nowMs) return { state: 'UNVERIFIED' };
    if (head.regFound === false) return { state: 'NOT_FOUND' };
    if (head.regStatus !== 'MENDAFTAR' && head.regStatus !== 'PESERTA') return { state: 'UNVERIFIED' };
    return {
      state: 'FOUND',
      status: head.regStatus,
      premiumRequired: head.regPremiumRequired === null ? null : Number(head.regPremiumRequired),
      premiumPaid: Number(head.regPremiumPaid ?? 0),
    };
  }

  /** Version 1 (Part 1): snapshot judges the recorded figures; a live upstream its registration row. */
  function registrationV1(head: ProjectHead, nowMs: number): PolicyRegistration {
    if (ctx.provider.name === 'snapshot') return { source: 'snapshot' };
    const reg = registrationV2(head, nowMs);
    return reg.state === 'FOUND'
      ? { source: 'upstream', state: 'FOUND', status: reg.status, premiumPaid: reg.premiumPaid }
      : { source: 'upstream', state: reg.state };
  }

  function staleRegistration(head: ProjectHead, nowMs: number): string | null {
    if (ctx.provider.name === 'snapshot' || head.bpjsRegistrationNumber === null) return null;
    return head.regVerifiedAtMs === null || head.regVerifiedAtMs + maxAgeMs < nowMs ? head.bpjsRegistrationNumber : null;
  }

  /** The project's roster under `version`, loaded (with the version it was read at) on a miss. */
  async function rosterOf(executor: Executor, projectId: string, version: string): Promise<Roster> {
    const cached = rosters.get(projectId, version);
    if (cached) return cached;
    const loaded = await loadRoster(executor, projectId, ctx.config.LOCAL_TIMEZONE);
    const roster = buildRoster(projectId, loaded, maxAgeMs);
    rosters.put(roster);
    return roster;
  }

  /** The holidays of the years a request may need (cached briefly; a set per years asked). */
  async function holidaysFor(executor: Executor, projectStartDate: IsoDate, valueDate: IsoDate): Promise<ReadonlySet<IsoDate>> {
    if (policyVersion === 1) return new Set();
    const years = holidayYears(projectStartDate, valueDate);
    const key = years.join(',');
    const now = Date.now();
    const hit = holidayCache.get(key);
    if (hit && now - hit.at < HOLIDAY_CACHE_MS) return hit.days;
    const days = await holidaysOfYears(executor, years);
    if (holidayCache.size > 64) holidayCache.clear();
    holidayCache.set(key, { at: now, days });
    return days;
  }

  /**
   * Reads (the compliance dry run, the forecast) ask the same question again and again; a decision
   * never does (its stage becomes approved, or its approvals differ), so keeping its 1,000-worker
   * result would only push the readers' results out and feed the garbage collector.
   */
  function memoised(sha256: string, evidence: EvidenceInput, run: () => PolicyResult, keep: boolean): PolicyResult {
    if (!keep) return run();
    const key = `${sha256}|${JSON.stringify(evidence)}`;
    let result = results.get(key);
    if (result === undefined) {
      result = run();
      results.set(key, result);
    }
    return result;
  }

  function evaluateRequest(inputs: GateInputs, request: GateRequest, roster: Roster, nowMs: number, o: { memo: boolean } = { memo: true }): Evaluation {
    const project = projectOf(inputs.head);
    // What the policy reads of the approvals (their evidence stays small however many stages were paid).
    const approvals = approvalsFor(inputs.approvals, request.stage, request.valueDate);
    const checked = checkedWorkers(roster, policyVersion, { project, approvals, valueDate: request.valueDate }, nowMs);
    const stale = staleRegistration(inputs.head, nowMs);
    if (checked.version === 1) {
      const v1Request = { stage: request.stage, valueDate: request.valueDate, final: request.final };
      const evidence: EvidenceInput = { policyVersion: 1, project, registration: registrationV1(inputs.head, nowMs), request: v1Request, approvals };
      const result = memoised(checked.sha256, evidence, () =>
        evaluate(1, { project, registration: evidence.registration, request: v1Request, approvals, workers: checked.workers }), o.memo);
      return { evidence, checked, staleRegistration: stale, result };
    }
    const years = new Set(holidayYears(project.startDate, request.valueDate));
    const evidence: EvidenceInput = {
      policyVersion: 2,
      project,
      registration: registrationV2(inputs.head, nowMs),
      request,
      approvals,
      approvedTotal: inputs.approvedTotal,
      // Only the corrections the policy could list (made on or after the period's start), and
      // the holidays of the years involved: what replay needs, nothing more.
      corrections: roster.corrections.filter((c) => c.correctedOn >= checked.period.from),
      holidays: [...inputs.holidays].filter((d) => years.has(Number(d.slice(0, 4)))).sort(),
    };
    const { policyVersion: _v, ...rest } = evidence;
    const result = memoised(checked.sha256, evidence, () => evaluateV2({ ...rest, ...checked.roster }, checked.persons), o.memo);
    return { evidence, checked, staleRegistration: stale, result };
  }

  /** The period and the persons (NIKs) a request valued `valueDate` checks (verify). */
  function checkedNiks(inputs: { project: ProjectHead; approvals: PolicyApproval[] }, roster: Roster, valueDate: IsoDate): { period: Period; niks: string[] } {
    const { period, niks } = checkedSet(policyVersion, inputs.project.startDate, inputs.approvals, valueDate, roster.assignments);
    return { period, niks };
  }

  return { maxAgeMs, policyVersion, rosterOf, holidaysFor, evaluateRequest, checkedNiks };
}
export type Gate = ReturnType<typeof createGate>;

