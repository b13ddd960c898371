// What a decision and the compliance dry run share: turning stored rows into the policy's input
// and evaluating it, with the roster cached per version and results memoised per exact input.
import type { AppContext } from '../context.ts';
import type { Executor } from '../db/client.ts';
import {
  CURRENT_POLICY_VERSION, evaluate, paymentPeriod,
  type PolicyApproval, type PolicyInput, type PolicyProject, type PolicyRegistration, type PolicyResult,
} from '../policy/index.ts';
import { v1FitContext } from '../policy/v1-input.ts';
import { WeightedLru } from './lru.ts';
import { loadRoster, type ProjectHead } from './repository.ts';
import { buildRoster, checkedWorkers, createRosterCache, type CheckedWorkers, type Roster } from './roster.ts';

const ROSTER_CACHE_ROWS = 250_000;
const RESULT_CACHE_WORKERS = 300_000;

export interface Evaluation {
  project: PolicyProject;
  registration: PolicyRegistration;
  request: PolicyInput['request'];
  approvals: PolicyApproval[];
  checked: CheckedWorkers;
  /** The project's registration number when a live upstream should refresh it (missing or too old record). */
  staleRegistration: string | null;
  result: PolicyResult;
}

export function createGate(ctx: AppContext) {
  const maxAgeMs = ctx.config.MEMBERSHIP_MAX_AGE_HOURS * 3_600_000;
  const rosters = createRosterCache(ROSTER_CACHE_ROWS);
  // Evaluation is pure, so an identical input (same workers by content hash) gives the same result.
  const results = new WeightedLru<string, PolicyResult>(RESULT_CACHE_WORKERS, (r) => r.workers.length + 1);

  function policyProject(head: ProjectHead): PolicyProject {
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

  /** Snapshot: the recorded figures count. Live upstream: only a fresh registration row counts. */
  function registrationOf(head: ProjectHead, nowMs: number): PolicyRegistration {
    if (ctx.provider.name === 'snapshot') return { source: 'snapshot' };
    if (head.bpjsRegistrationNumber === null) return { source: 'upstream', state: 'NOT_FOUND' };
    if (head.regVerifiedAtMs === null || head.regVerifiedAtMs + maxAgeMs < nowMs) return { source: 'upstream', state: 'UNVERIFIED' };
    if (head.regFound === false) return { source: 'upstream', state: 'NOT_FOUND' };
    if (head.regStatus !== 'MENDAFTAR' && head.regStatus !== 'PESERTA') return { source: 'upstream', state: 'UNVERIFIED' };
    return { source: 'upstream', state: 'FOUND', status: head.regStatus, premiumPaid: Number(head.regPremiumPaid ?? 0) };
  }

  function staleRegistration(head: ProjectHead, nowMs: number): string | null {
    if (ctx.provider.name === 'snapshot' || head.bpjsRegistrationNumber === null) return null;
    return head.regVerifiedAtMs === null || head.regVerifiedAtMs + maxAgeMs < nowMs ? head.bpjsRegistrationNumber : null;
  }

  /** The project's roster under `version`, loaded (with the version it was read at) on a miss. */
  async function rosterOf(executor: Executor, projectId: string, version: string): Promise<Roster> {
    const cached = rosters.get(projectId, version);
    if (cached) return cached;
    const loaded = await loadRoster(executor, projectId);
    const roster = buildRoster(projectId, loaded.version, loaded.rows, maxAgeMs);
    rosters.put(roster);
    return roster;
  }

  function evaluateRequest(head: ProjectHead, approvals: PolicyApproval[], request: PolicyInput['request'], roster: Roster, nowMs: number): Evaluation {
    const project = policyProject(head);
    const registration = registrationOf(head, nowMs);
    const period = paymentPeriod(project.startDate, approvals, request.valueDate);
    const checked = checkedWorkers(roster, period, nowMs, v1FitContext({ project }));
    const key = `${checked.sha256}|${JSON.stringify([project, registration, request, approvals])}`;
    let result = results.get(key);
    if (result === undefined) {
      result = evaluate(CURRENT_POLICY_VERSION, { project, registration, request, approvals, workers: checked.workers });
      results.set(key, result);
    }
    return { project, registration, request, approvals, checked, staleRegistration: staleRegistration(head, nowMs), result };
  }

  return { maxAgeMs, rosterOf, evaluateRequest };
}
export type Gate = ReturnType<typeof createGate>;
