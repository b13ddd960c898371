// Version 1's input from the data version 2 reads (contract 2.4, first paragraph): a person's one
// membership is the coverage that fits the project best (change 3's order, judged by version 1's
// own fit rule), cancelled assignments never count, reported dates are ignored, and the
// registration is judged as Part 1 says (with a snapshot provider, not at all).
import { bestCoverage, type FitContext } from './coverage.ts';
import { toDayNumber } from './dates.ts';
import type { PolicyInput, PolicyMembership, PolicyRegistration, PolicyWorker } from './types.ts';
import type { CoverageV2, PersonV2, PolicyInputV2, RegistrationV2 } from './v2/types.ts';

export type ProviderKind = 'snapshot' | 'upstream';

function registrationV1(reg: RegistrationV2, provider: ProviderKind): PolicyRegistration {
  if (provider === 'snapshot') return { source: 'snapshot' };
  switch (reg.state) {
    case 'FOUND':
      return { source: 'upstream', state: 'FOUND', status: reg.status, premiumPaid: reg.premiumPaid };
    case 'NOT_FOUND':
      return { source: 'upstream', state: 'NOT_FOUND' };
    case 'UNVERIFIED':
      return { source: 'upstream', state: 'UNVERIFIED' };
  }
}

/** The membership exactly as version 1's evidence holds it (no version 2 fields). */
export function asMembership(c: CoverageV2): PolicyMembership {
  return {
    nik: c.nik, kpj: c.kpj, status: c.status, programs: c.programs, coverageStart: c.coverageStart, coverageEnd: c.coverageEnd,
    segment: c.segment, projectNumber: c.projectNumber, employerNpp: c.employerNpp, asOf: c.asOf,
  };
}

/**
 * One assignment's lookup and membership under version 1: the best fitting fresh coverage; with
 * none fresh, unverified (the best stale one kept as evidence).
 */
export function v1Lookup(
  person: PersonV2 | undefined, fit: FitContext, lastDay: number, current: boolean,
): Pick<PolicyWorker, 'lookup' | 'membership'> {
  if (person === undefined || person.lookup === 'UNVERIFIED') {
    const stale = person === undefined ? null : bestCoverage(person.coverages, fit, lastDay, current);
    return { lookup: 'UNVERIFIED', membership: stale === null ? null : asMembership(stale.coverage) };
  }
  if (person.lookup === 'NOT_FOUND') return { lookup: 'NOT_FOUND', membership: null };
  const fresh = bestCoverage(person.coverages.filter((c) => c.fresh), fit, lastDay, current);
  if (fresh !== null) return { lookup: 'FOUND', membership: asMembership(fresh.coverage) };
  const stale = bestCoverage(person.coverages, fit, lastDay, current);
  return { lookup: 'UNVERIFIED', membership: stale === null ? null : asMembership(stale.coverage) };
}

export function v1FitContext(input: Pick<PolicyInputV2, 'project'>): FitContext {
  const number = input.project.bpjsRegistrationNumber;
  return {
    registrationNumber: number === null || number.trim() === '' ? null : number,
    contractorEmployerNpp: input.project.contractorEmployerNpp,
    puNeedsEmployer: false,
    jakonUnjudged: false,
  };
}

export function v1InputOf(input: PolicyInputV2, provider: ProviderKind = 'upstream'): PolicyInput {
  const valueDay = toDayNumber(input.request.valueDate);
  const fit = v1FitContext(input);
  const persons = new Map(input.persons.map((p) => [p.nik, p]));
  const workers = input.assignments
    .filter((a) => !a.cancelled)
    .map((a): PolicyWorker => {
      const end = a.endDate === null ? null : toDayNumber(a.endDate);
      const current = end === null || end >= valueDay;
      const lastDay = end === null ? valueDay : Math.min(end, valueDay);
      return {
        assignmentId: a.assignmentId, nik: a.nik, name: a.name, kpj: a.kpj, startDate: a.startDate, endDate: a.endDate,
        ...v1Lookup(persons.get(a.nik), fit, lastDay, current),
      };
    });
  const { stage, valueDate, final } = input.request;
  return {
    project: {
      id: input.project.id,
      code: input.project.code,
      startDate: input.project.startDate,
      contractValue: input.project.contractValue,
      vatPercent: input.project.vatPercent,
      bpjsRegistrationNumber: input.project.bpjsRegistrationNumber,
      bpjsPremiumPaid: input.project.bpjsPremiumPaid,
      contractorEmployerNpp: input.project.contractorEmployerNpp,
    },
    registration: registrationV1(input.registration, provider),
    request: { stage, valueDate, final },
    approvals: input.approvals,
    workers,
  };
}
