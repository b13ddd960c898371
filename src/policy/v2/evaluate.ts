// Policy perwali-palembang-3-2025, version 2 (contract 2.4): version 1 with changes 1 to 12.
// Frozen once decisions are stored under it: a change of rule is a new version, never an edit here.
import { checkedSetOf } from '../checked.ts';
import { paymentPeriod } from '../period.ts';
import { toDayNumber } from '../dates.ts';
import { assertMoney, computePremium, requiredPremium } from '../premium.ts';
import { recordedEnd, recordedSpanOverlaps, recordedStart } from '../recorded-span.ts';
import { POLICY_ID, REASON_CODES } from '../types.ts';
import type { PolicyReason, PolicyResult, ReasonCode, ReasonParams, ReasonWorker, WorkerResult } from '../types.ts';
import { holidaySet } from '../working-days.ts';
import { judgePerson, type PersonJudgement, type PersonSpan } from './judge-person.ts';
import type { AssignmentV2, PersonV2, PolicyInputV2, RegistrationV2 } from './types.ts';

export const VERSION = 2;

const WARN_CODES: ReadonlySet<ReasonCode> = new Set([
  'COVERAGE_EXPIRING_SOON', 'COVERAGE_STARTED_LATE', 'SELF_PAID_COVERAGE', 'PREMIUM_FIGURE_MISMATCH', 'ROSTER_CORRECTED',
]);
// Only these can clear without anyone changing data: fresher data may arrive.
const RETRYABLE_CODES: ReadonlySet<ReasonCode> = new Set(['MEMBERSHIP_UNVERIFIED', 'PROJECT_UNVERIFIED']);
const FINAL_STAGES: ReadonlySet<string> = new Set(['PELUNASAN', 'RETENSI']);
const ADVANCE_STAGE = 'UANG_MUKA';
const FIGURE_TOLERANCE = 1; // rupiah: BPJS rounds each program; a rupiah apart is the same figure

interface RegistrationJudgement {
  notRegistered: boolean;
  unverified: boolean;
  judged: boolean; // premium judged: registered (number, found, PESERTA)
}

function judgeRegistration(registrationNumber: string | null, reg: RegistrationV2): RegistrationJudgement {
  if (registrationNumber === null) return { notRegistered: true, unverified: false, judged: false };
  switch (reg.state) {
    case 'FOUND':
      return { notRegistered: reg.status !== 'PESERTA', unverified: false, judged: reg.status === 'PESERTA' };
    case 'NOT_FOUND':
      return { notRegistered: true, unverified: false, judged: false };
    case 'UNVERIFIED':
      return { notRegistered: false, unverified: true, judged: false };
  }
}

interface Person {
  span: PersonSpan;
  worker: ReasonWorker; // the assignment judged on the person's last day
  assignmentIds: string[];
  judgement: PersonJudgement;
}

/** Change 2: one person per NIK, judged on the latest last day, from the earliest start. */
function personsOf(checked: readonly AssignmentV2[], valueDay: number): Array<Omit<Person, 'judgement'>> {
  const persons: Array<Omit<Person, 'judgement'>> = [];
  let current: Omit<Person, 'judgement'> | undefined;
  let bestEnd = -Infinity;
  for (const a of checked) { // sorted by NIK then assignment
    const end = recordedEnd(a);
    const lastDay = end === null ? valueDay : Math.min(toDayNumber(end), valueDay);
    const start = toDayNumber(recordedStart(a));
    if (current === undefined || current.span.nik !== a.nik) {
      current = {
        span: { nik: a.nik, earliestStart: start, lastDay, current: lastDay === valueDay, rosterKpjs: [] },
        worker: { assignmentId: a.assignmentId, nik: a.nik, name: a.name },
        assignmentIds: [],
      };
      bestEnd = -Infinity;
      persons.push(current);
    }
    const span = current.span;
    span.earliestStart = Math.min(span.earliestStart, start);
    if (lastDay > bestEnd) {
      bestEnd = lastDay;
      span.lastDay = lastDay;
      current.worker = { assignmentId: a.assignmentId, nik: a.nik, name: a.name };
    }
    span.current = span.lastDay === valueDay;
    if (a.kpj !== null && !span.rosterKpjs.includes(a.kpj)) span.rosterKpjs.push(a.kpj);
    current.assignmentIds.push(a.assignmentId);
  }
  return persons;
}

/**
 * What a request's persons come to: everything of the result that depends only on who is checked,
 * their records and the context (period, project numbers, holidays), not on the request's stage,
 * amount or approvals. A caller holding the same roster for many requests may keep it (`memo`);
 * the result is the same with or without.
 */
export interface PersonsPhase {
  persons: readonly Person[];
  byCode: ReadonlyMap<ReasonCode, ReasonWorker[]>;
  summary: PolicyResult['summary'];
  workers: WorkerResult[];
  expiringSoon: PolicyResult['expiringSoon'];
}

/** Where a caller keeps persons phases of one roster (assignments and persons), by context. */
export interface PersonsMemo {
  get(key: string): PersonsPhase | undefined;
  set(key: string, phase: PersonsPhase): void;
}

function personsPhase(persons: Person[]): PersonsPhase {
  const byCode = new Map<ReasonCode, ReasonWorker[]>();
  for (const code of REASON_CODES) {
    const workers = persons.filter((x) => x.judgement.codes.has(code)).map((x) => x.worker);
    if (workers.length > 0) byCode.set(code, workers);
  }
  return {
    persons,
    byCode,
    summary: summarise(persons),
    workers: persons.map(({ worker, assignmentIds, judgement }): WorkerResult => ({
      assignmentId: worker.assignmentId,
      nik: worker.nik,
      outcome: outcomeOf(judgement.codes),
      codes: REASON_CODES.filter((c) => judgement.codes.has(c)),
      lastDay: judgement.lastDay,
      assignmentIds,
      coverage: judgement.coverage === null
        ? null
        : { segment: judgement.coverage.segment, projectNumber: judgement.coverage.projectNumber, employerNpp: judgement.coverage.employerNpp },
    })),
    expiringSoon: persons
      .flatMap(({ worker, judgement }) => judgement.expiringOn === null
        ? []
        : [{ assignmentId: worker.assignmentId, nik: worker.nik, name: worker.name, coverageEnd: judgement.expiringOn }])
      .sort((a, b) => (a.coverageEnd === b.coverageEnd ? (a.nik < b.nik ? -1 : a.nik > b.nik ? 1 : 0) : a.coverageEnd < b.coverageEnd ? -1 : 1)),
  };
}

export function evaluateV2(input: PolicyInputV2, memo?: PersonsMemo): PolicyResult {
  const { project, request } = input;
  assertMoney('project.bpjsPremiumPaid', project.bpjsPremiumPaid);
  assertMoney('approvedTotal', input.approvedTotal);
  if (request.amount !== null) assertMoney('request.amount', request.amount);
  const period = paymentPeriod(project.startDate, input.approvals, request.valueDate);
  const valueDay = toDayNumber(period.to);
  const final = request.final || (request.stage !== null && FINAL_STAGES.has(request.stage));
  const registrationNumber = project.bpjsRegistrationNumber === null || project.bpjsRegistrationNumber.trim() === ''
    ? null
    : project.bpjsRegistrationNumber;
  const registration = judgeRegistration(registrationNumber, input.registration);

  const byNik = memo === undefined ? new Map(input.persons.map((p) => [p.nik, p])) : lazyByNik(input);
  const ctx = {
    valueDay,
    registrationNumber,
    contractorEmployerNpp: project.contractorEmployerNpp,
    puNeedsEmployer: true,
    jakonUnjudged: registration.notRegistered, // change 8
    holidays: holidaySet(input.holidays),
  };
  const phaseKey = memo === undefined ? ''
    : `${period.from}|${period.to}|${registrationNumber ?? ''}|${project.contractorEmployerNpp ?? ''}|${ctx.jakonUnjudged}|${input.holidays.join(',')}`;
  let phase = memo?.get(phaseKey);
  if (phase === undefined) {
    // A memo belongs to one roster (its first evaluation checked these very assignments): with a
    // hit, neither the duplicate check nor the filtering of 1,000 assignments is made again.
    const ids = new Set(input.assignments.map((a) => a.assignmentId));
    if (ids.size !== input.assignments.length) throw new TypeError('an assignment is given twice');
    const checked = checkedSetOf(VERSION, period, input.assignments).assignments;
    phase = personsPhase(personsOf(checked, valueDay).map((p) => ({ ...p, judgement: judgePerson(p.span, byNik.get(p.span.nik), ctx) })));
    memo?.set(phaseKey, phase);
  }
  const { persons } = phase;

  const projectCodes = new Set<ReasonCode>();
  const params = new Map<ReasonCode, ReasonParams>();
  if (registration.notRegistered) projectCodes.add('PROJECT_NOT_REGISTERED');
  if (registration.unverified) projectCodes.add('PROJECT_UNVERIFIED');
  // Change 6: the advance is paid before work starts; everything else needs someone who worked.
  if (persons.length === 0 && request.stage !== ADVANCE_STAGE) projectCodes.add('EMPTY_ROSTER');
  if (request.stage !== null && input.approvals.some((a) => a.stage === request.stage)) projectCodes.add('STAGE_ALREADY_APPROVED');
  // Change 12: never beyond the contract.
  if (request.amount !== null && input.approvedTotal + request.amount > project.contractValue) {
    projectCodes.add('AMOUNT_EXCEEDS_CONTRACT');
    params.set('AMOUNT_EXCEEDS_CONTRACT', { amount: request.amount, approvedTotal: input.approvedTotal, contractValue: project.contractValue });
  }

  // Change 7: BPJS's figures win; change 8: the premium is judged only for a registered project.
  const computed = computePremium(project.contractValue, project.vatPercent);
  const reg = input.registration;
  const bpjsRequired = reg.state === 'FOUND' ? reg.premiumRequired : null;
  if (bpjsRequired !== null) assertMoney('registration.premiumRequired', bpjsRequired);
  const paid = reg.state === 'FOUND' ? reg.premiumPaid : null;
  if (paid !== null) assertMoney('registration.premiumPaid', paid);
  const requiredTotal = bpjsRequired ?? computed.total;
  const requiredForPayment = requiredPremium(requiredTotal, final);
  const shortfall = registration.judged && paid !== null ? Math.max(0, requiredForPayment - paid) : 0;
  if (shortfall > 0) {
    projectCodes.add('PREMIUM_SHORTFALL');
    params.set('PREMIUM_SHORTFALL', { ...(paid === null ? {} : { paid }), requiredForPayment, shortfall });
  }
  if (registration.judged && bpjsRequired !== null && Math.abs(bpjsRequired - computed.total) > FIGURE_TOLERANCE) {
    projectCodes.add('PREMIUM_FIGURE_MISMATCH');
    params.set('PREMIUM_FIGURE_MISMATCH', { premiumRequiredBpjs: bpjsRequired, premiumComputed: computed.total });
  }

  const reasons = buildReasons(projectCodes, params, phase.byCode, correctedWorkers(input, period));
  return {
    policy: { id: POLICY_ID, version: VERSION },
    decision: reasons.some((r) => r.severity === 'block') ? 'BLOCKED' : 'APPROVED',
    stage: request.stage,
    valueDate: period.to,
    final,
    period,
    reasons,
    summary: phase.summary,
    premium: {
      base: computed.base,
      required: bpjsRequired === null
        ? { jkk: computed.jkk, jkm: computed.jkm, total: computed.total, source: 'COMPUTED' }
        : { total: bpjsRequired, source: 'BPJS' },
      computed: { jkk: computed.jkk, jkm: computed.jkm, total: computed.total },
      requiredForPayment,
      paid: registration.judged ? paid : null,
      shortfall,
      paidRecorded: project.bpjsPremiumPaid,
    },
    workers: phase.workers,
    expiringSoon: phase.expiringSoon,
  };
}

/**
 * Change 10: persons with an assignment corrected on or after the period's start (the latest
 * approved value date, or the project's start) whose recorded span before the correction
 * overlapped the period; one entry per NIK, sorted.
 */
function correctedWorkers(input: PolicyInputV2, period: { from: string; to: string }): ReasonWorker[] {
  const since = toDayNumber(period.from);
  const byNik = new Map<string, ReasonWorker>();
  for (const c of input.corrections) {
    if (toDayNumber(c.correctedOn) < since || c.before.cancelled) continue;
    if (!recordedSpanOverlaps(c.before, period.from, period.to)) continue;
    const seen = byNik.get(c.nik);
    if (seen === undefined || c.assignmentId < seen.assignmentId) byNik.set(c.nik, { assignmentId: c.assignmentId, nik: c.nik, name: c.name });
  }
  return [...byNik.values()].sort((a, b) => (a.nik < b.nik ? -1 : a.nik > b.nik ? 1 : 0));
}

function buildReasons(
  projectCodes: ReadonlySet<ReasonCode>, params: ReadonlyMap<ReasonCode, ReasonParams>, byCode: ReadonlyMap<ReasonCode, ReasonWorker[]>,
  corrected: ReasonWorker[],
): PolicyReason[] {
  const reasons: PolicyReason[] = [];
  for (const code of REASON_CODES) {
    const severity = WARN_CODES.has(code) ? 'warn' : 'block';
    const retryable = RETRYABLE_CODES.has(code);
    const p = params.get(code);
    if (projectCodes.has(code)) {
      reasons.push({ code, severity, retryable, ...(p === undefined ? {} : { params: p }) });
      continue;
    }
    const workers = code === 'ROSTER_CORRECTED' ? corrected : byCode.get(code) ?? [];
    if (workers.length > 0) reasons.push({ code, severity, retryable, workers });
  }
  return reasons;
}

/** The NIK index of the persons, built only when a phase has to be judged (a remembered one needs none). */
function lazyByNik(input: PolicyInputV2): Pick<Map<string, PersonV2>, 'get'> {
  let map: Map<string, PersonV2> | undefined;
  return { get: (nik) => (map ??= new Map(input.persons.map((p) => [p.nik, p]))).get(nik) };
}

function outcomeOf(codes: ReadonlySet<ReasonCode>): WorkerResult['outcome'] {
  const blocking = [...codes].filter((c) => !WARN_CODES.has(c));
  if (blocking.length === 0) return 'COMPLIANT';
  return blocking.length === 1 && blocking[0] === 'MEMBERSHIP_UNVERIFIED' ? 'UNVERIFIED' : 'NON_COMPLIANT';
}

function summarise(persons: readonly Person[]): PolicyResult['summary'] {
  const summary = { workersChecked: persons.length, compliant: 0, nonCompliant: 0, unverified: 0 };
  for (const p of persons) {
    const outcome = outcomeOf(p.judgement.codes);
    if (outcome === 'COMPLIANT') summary.compliant++;
    else if (outcome === 'UNVERIFIED') summary.unverified++;
    else summary.nonCompliant++;
  }
  return summary;
}
