// Policy perwali-palembang-3-2025, version 1 (contract: "Policy perwali-palembang-3-2025, version 1").
// Frozen once decisions are stored under it: a change of rule is a new version, never an edit here.
import { toDayNumber } from '../dates.ts';
import { paymentPeriod } from '../period.ts';
import { assertMoney, computePremium, requiredPremium } from '../premium.ts';
import { POLICY_ID, REASON_CODES } from '../types.ts';
import type {
  PolicyInput, PolicyProject, PolicyReason, PolicyRegistration, PolicyResult, ReasonCode, ReasonWorker, WorkerResult,
} from '../types.ts';
import { judgeWorker } from './judge-worker.ts';
import type { WorkerJudgement } from './judge-worker.ts';

export const VERSION = 1;

const WARN_CODES: ReadonlySet<ReasonCode> = new Set(['COVERAGE_EXPIRING_SOON', 'COVERAGE_STARTED_LATE']);
// Only these can clear without anyone changing data: fresher data may arrive.
const RETRYABLE_CODES: ReadonlySet<ReasonCode> = new Set(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);
const FINAL_STAGES: ReadonlySet<string> = new Set(['PELUNASAN', 'RETENSI']);

interface RegistrationJudgement {
  notRegistered: boolean;
  unverified: boolean;
  paid: number | null; // null = premium not judged
}

// Without a registration number there is nothing BPJS could confirm, whatever the source says;
// the paid figure is then the one recorded on the project.
function judgeRegistration(project: PolicyProject, registrationNumber: string | null, reg: PolicyRegistration): RegistrationJudgement {
  if (registrationNumber === null) return { notRegistered: true, unverified: false, paid: project.bpjsPremiumPaid };
  if (reg.source === 'snapshot') return { notRegistered: false, unverified: false, paid: project.bpjsPremiumPaid };
  switch (reg.state) {
    case 'FOUND':
      assertMoney('registration.premiumPaid', reg.premiumPaid);
      return { notRegistered: reg.status !== 'PESERTA', unverified: false, paid: reg.premiumPaid };
    case 'NOT_FOUND':
      return { notRegistered: true, unverified: false, paid: 0 };
    case 'UNVERIFIED':
      return { notRegistered: false, unverified: true, paid: null };
  }
}

function byNikThenAssignment(a: { nik: string; assignmentId: string }, b: { nik: string; assignmentId: string }): number {
  if (a.nik !== b.nik) return a.nik < b.nik ? -1 : 1;
  if (a.assignmentId !== b.assignmentId) return a.assignmentId < b.assignmentId ? -1 : 1;
  return 0;
}

function isBlocking(code: ReasonCode): boolean {
  return !WARN_CODES.has(code);
}

export function evaluateV1(input: PolicyInput): PolicyResult {
  const { project, request } = input;
  assertMoney('project.bpjsPremiumPaid', project.bpjsPremiumPaid);
  const period = paymentPeriod(project.startDate, input.approvals, request.valueDate);
  const fromDay = toDayNumber(period.from);
  const valueDay = toDayNumber(period.to);
  const final = request.final || (request.stage !== null && FINAL_STAGES.has(request.stage));
  const registrationNumber = project.bpjsRegistrationNumber === null || project.bpjsRegistrationNumber.trim() === ''
    ? null
    : project.bpjsRegistrationNumber;

  // A duplicated assignment would be counted twice; that is the caller's bug, not a decision.
  const ids = new Set(input.workers.map((w) => w.assignmentId));
  if (ids.size !== input.workers.length) throw new TypeError('an assignment is given twice');
  const checked = input.workers
    .filter((w) => toDayNumber(w.startDate) <= valueDay && (w.endDate === null || toDayNumber(w.endDate) >= fromDay))
    .sort(byNikThenAssignment);

  const ctx = { valueDay, registrationNumber, contractorEmployerNpp: project.contractorEmployerNpp };
  const judged = checked.map((worker) => ({ worker, judgement: judgeWorker(worker, ctx) }));

  const projectCodes = new Set<ReasonCode>();
  const registration = judgeRegistration(project, registrationNumber, input.registration);
  if (registration.notRegistered) projectCodes.add('PROJECT_NOT_REGISTERED');
  if (registration.unverified) projectCodes.add('PROJECT_UNVERIFIED');
  if (checked.length === 0) projectCodes.add('EMPTY_ROSTER');
  if (request.stage !== null && input.approvals.some((a) => a.stage === request.stage)) projectCodes.add('STAGE_ALREADY_APPROVED');

  const required = computePremium(project.contractValue, project.vatPercent);
  const requiredForPayment = requiredPremium(required.total, final);
  const shortfall = registration.paid === null ? 0 : Math.max(0, requiredForPayment - registration.paid);
  if (shortfall > 0) projectCodes.add('PREMIUM_SHORTFALL');

  const reasons = buildReasons(projectCodes, judged);
  return {
    policy: { id: POLICY_ID, version: VERSION },
    decision: reasons.some((r) => r.severity === 'block') ? 'BLOCKED' : 'APPROVED',
    stage: request.stage,
    valueDate: period.to,
    final,
    period,
    reasons,
    summary: summarise(judged.map((j) => j.judgement)),
    premium: {
      base: required.base,
      required: { jkk: required.jkk, jkm: required.jkm, total: required.total },
      requiredForPayment,
      paid: registration.paid,
      shortfall,
    },
    workers: judged.map(({ worker, judgement }): WorkerResult => ({
      assignmentId: worker.assignmentId,
      nik: worker.nik,
      outcome: outcomeOf(judgement),
      codes: REASON_CODES.filter((c) => judgement.codes.has(c)),
      lastDay: judgement.lastDay,
    })),
    expiringSoon: judged
      .flatMap(({ worker, judgement }) => judgement.expiringOn === null
        ? []
        : [{ assignmentId: worker.assignmentId, nik: worker.nik, name: worker.name, coverageEnd: judgement.expiringOn }])
      .sort((a, b) => (a.coverageEnd === b.coverageEnd ? byNikThenAssignment(a, b) : a.coverageEnd < b.coverageEnd ? -1 : 1)),
  };
}

function buildReasons(
  projectCodes: ReadonlySet<ReasonCode>, judged: ReadonlyArray<{ worker: ReasonWorker; judgement: WorkerJudgement }>,
): PolicyReason[] {
  const reasons: PolicyReason[] = [];
  for (const code of REASON_CODES) {
    const severity = WARN_CODES.has(code) ? 'warn' : 'block';
    const retryable = RETRYABLE_CODES.has(code);
    if (projectCodes.has(code)) {
      reasons.push({ code, severity, retryable });
      continue;
    }
    // judged is already sorted by NIK and holds each assignment once.
    const workers = judged
      .filter((j) => j.judgement.codes.has(code))
      .map(({ worker }) => ({ assignmentId: worker.assignmentId, nik: worker.nik, name: worker.name }));
    if (workers.length > 0) reasons.push({ code, severity, retryable, workers });
  }
  return reasons;
}

function outcomeOf(judgement: WorkerJudgement): WorkerResult['outcome'] {
  const blocking = [...judgement.codes].filter(isBlocking);
  if (blocking.length === 0) return 'COMPLIANT';
  return blocking.length === 1 && blocking[0] === 'MEMBERSHIP_UNVERIFIED' ? 'UNVERIFIED' : 'NON_COMPLIANT';
}

function summarise(judgements: readonly WorkerJudgement[]): PolicyResult['summary'] {
  const summary = { workersChecked: judgements.length, compliant: 0, nonCompliant: 0, unverified: 0 };
  for (const judgement of judgements) {
    const outcome = outcomeOf(judgement);
    if (outcome === 'COMPLIANT') summary.compliant++;
    else if (outcome === 'UNVERIFIED') summary.unverified++;
    else summary.nonCompliant++;
  }
  return summary;
}
