// A project's roster (assignments with their recorded spans) and its workers' coverages, loaded
// once per roster version and turned into either policy version's input for a request. Who is
// checked is the policy's own answer (policy/checked.ts), here memoised per version, period and
// freshness state; loading and hashing 1,000 rows costs milliseconds, and the version (bumped by
// database triggers on any change) lets every later decision reuse them.
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import {
  checkedSetOf, paymentPeriod, toDayNumber, type CheckedSet, v1FitContext, v1Lookup,
  type AssignmentV2, type CorrectionV2, type CoverageV2, type IsoDate, type PersonV2, type PolicyApproval,
  type Period, type PersonsMemo, type PersonsPhase, type PolicyMembership, type PolicyWorker, type ProjectV2,
} from '../policy/index.ts';
import { WeightedLru } from './lru.ts';

/** One worker of a version 1 decision's stored evidence: the policy's input plus when BPJS's status was had. */
export type EvidenceWorker = PolicyWorker & { verifiedAt: string | null };

/** One person of a version 2 decision's stored evidence. */
export type EvidencePerson = PersonV2 & { verifiedAt: string | null };

/** A version 2 decision's stored roster part: the checked assignments and their persons. */
export interface EvidenceRosterV2 {
  assignments: AssignmentV2[];
  persons: EvidencePerson[];
}

/** A stored coverage row, with when it stops being fresh. */
type StoredCoverage = Omit<CoverageV2, 'fresh'> & { expiresAtMs: number };

export interface StoredPerson {
  nik: string;
  /** null: no row for the NIK; false: BPJS said (as of notFoundExpiresAtMs) it knows no such person. */
  found: boolean | null;
  notFoundExpiresAtMs: number | null;
  coverages: StoredCoverage[];
  verifiedAt: string | null;
}

/** The checked part of the roster for one request, in the shape its policy version takes. */
/**
 * `canonical()` makes the evidence's canonical JSON again when asked (a first decision per roster
 * version stores it): keeping 650 kB per checked roster in the cache cost more than making it twice.
 */
export type CheckedWorkers = { period: Period; sha256: string; canonical: () => string; staleNiks: string[] } & (
  | { version: 1; workers: EvidenceWorker[] }
  | { version: 2; roster: EvidenceRosterV2; persons: PersonsMemo });

export interface Roster {
  projectId: string;
  version: string;
  assignments: AssignmentV2[];
  persons: Map<string, StoredPerson>;
  /** The project's corrections (2.1), oldest first. */
  corrections: CorrectionV2[];
  /** expiresAtMs of every stored status, ascending: the stale ones at t are a prefix. */
  expiries: number[];
  checked: Map<string, CheckedWorkers>;
  /**
   * Version 2's checked roster part by the assignments it holds: each fresh stage has a new
   * period, but usually the same checked assignments, and so the same evidence (its canonical
   * JSON and hash, the costly part) and the same persons memo.
   */
  checkedParts: CheckedPartV2[];
}

/** What version 2's checked roster is, whatever the period: found again by the assignments' identity. */
interface CheckedPartV2 {
  staleCount: number;
  assignments: readonly AssignmentV2[];
  part: Omit<CheckedWorkers & { version: 2 }, 'period'>;
}

/** As the repository returns them: compact JSON arrays, in these orders. */
export type RawAssignment = [
  assignmentId: string, nik: string, name: string, kpj: string | null, startDate: string, endDate: string | null,
  reportedStartDate: string | null, reportedEndDate: string | null, cancelled: boolean,
];
export type RawMembership = [
  nik: string, found: boolean, kpj: string | null, status: string | null, programs: string[] | null,
  coverageStart: string | null, coverageEnd: string | null, segment: string | null, projectNumber: string | null,
  employerNpp: string | null, asOfMs: number, changedAtMs: number, coverage: string,
];
/** An earlier record of a coverage (its key as the database computes it, migration 0022). */
export type RawHistory = [nik: string, coverage: string, coverageStart: string | null, coverageEnd: string | null];
export type RawCorrection = [id: string, assignmentId: string, nik: string, name: string, correctedOn: string, before: CorrectionV2['before']];

export interface RawRoster {
  version: string;
  assignments: RawAssignment[];
  memberships: RawMembership[];
  history: RawHistory[];
  corrections: RawCorrection[];
}

const SEGMENTS = new Set(['JAKON', 'PU', 'BPU']);
const CHECKED_MEMO_LIMIT = 32;
const iso = (ms: number): string => new Date(ms).toISOString();

export function buildRoster(projectId: string, raw: RawRoster, maxAgeMs: number): Roster {
  const assignments = raw.assignments.map(([assignmentId, nik, name, kpj, startDate, endDate, reportedStartDate, reportedEndDate, cancelled]): AssignmentV2 =>
    ({ assignmentId, nik, name, kpj, startDate, endDate, reportedStartDate, reportedEndDate, cancelled }));
  const history = new Map<string, Array<{ coverageStart: IsoDate; coverageEnd: IsoDate | null }>>();
  for (const [nik, coverage, coverageStart, coverageEnd] of raw.history) {
    if (coverageStart === null) continue;
    const key = `${nik}|${coverage}`;
    let list = history.get(key);
    if (list === undefined) history.set(key, (list = []));
    list.push({ coverageStart, coverageEnd });
  }
  const persons = new Map<string, StoredPerson>();
  const expiries: number[] = [];
  for (const [nik, found, kpj, status, programs, coverageStart, coverageEnd, segment, projectNumber, employerNpp, asOfMs, changedAtMs, coverage] of raw.memberships) {
    let person = persons.get(nik);
    if (person === undefined) persons.set(nik, (person = { nik, found: null, notFoundExpiresAtMs: null, coverages: [], verifiedAt: null }));
    const expiresAtMs = asOfMs + maxAgeMs;
    expiries.push(expiresAtMs);
    const asOf = iso(asOfMs);
    if (person.verifiedAt === null || asOf > person.verifiedAt) person.verifiedAt = asOf;
    if (!found) {
      person.found = person.found ?? false;
      person.notFoundExpiresAtMs = Math.max(person.notFoundExpiresAtMs ?? 0, expiresAtMs);
      continue;
    }
    person.found = true;
    // A found record missing what the policy judges cannot be trusted: it counts as unverified.
    if (status === null || coverageStart === null || segment === null || !SEGMENTS.has(segment)) continue;
    person.coverages.push({
      nik, kpj, status: status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE', programs: programs ?? [], coverageStart, coverageEnd,
      segment: segment as PolicyMembership['segment'], projectNumber, employerNpp, asOf, changedAt: iso(changedAtMs),
      history: history.get(`${nik}|${coverage}`)
        ?.filter((h) => h.coverageStart !== coverageStart || h.coverageEnd !== coverageEnd) ?? [],
      expiresAtMs,
    });
  }
  const corrections = raw.corrections.map(([id, assignmentId, nik, name, correctedOn, before]): CorrectionV2 =>
    ({ id, assignmentId, nik, name, correctedOn, before }));
  expiries.sort((a, b) => a - b);
  return { projectId, version: raw.version, assignments, persons, corrections, expiries, checked: new Map(), checkedParts: [] };
}

/** How many statuses are stale at `nowMs`; since staleness only grows with time, it names the set. */
function staleCount(expiries: readonly number[], nowMs: number): number {
  let lo = 0;
  let hi = expiries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((expiries[mid] as number) < nowMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** BPJS's answer for a NIK as it stands at `nowMs` (policy v2's person). */
function personAt(stored: StoredPerson | undefined, nik: string, nowMs: number): EvidencePerson {
  if (stored === undefined || stored.found === null) return { nik, lookup: 'UNVERIFIED', coverages: [], verifiedAt: null };
  const coverages = stored.coverages.map(({ expiresAtMs, ...c }): CoverageV2 => ({ ...c, fresh: expiresAtMs >= nowMs }));
  if (stored.found === false) {
    const fresh = stored.notFoundExpiresAtMs !== null && stored.notFoundExpiresAtMs >= nowMs;
    return { nik, lookup: fresh ? 'NOT_FOUND' : 'UNVERIFIED', coverages: [], verifiedAt: stored.verifiedAt };
  }
  return { nik, lookup: 'FOUND', coverages, verifiedAt: stored.verifiedAt };
}

/** No status at all, or one older than MEMBERSHIP_MAX_AGE_HOURS: worth asking the upstream again. */
function isStale(p: EvidencePerson): boolean {
  return p.lookup === 'UNVERIFIED' || p.coverages.some((c) => !c.fresh);
}

export interface CheckedRequest {
  project: ProjectV2;
  approvals: readonly PolicyApproval[];
  valueDate: IsoDate;
}

/**
 * The workers a request checks under `version`, as that version takes them (sorted by NIK, then
 * assignment), with freshness judged at `nowMs`. Memoised per version, period, freshness state and
 * (for version 1, whose one membership per worker depends on it) the project's numbers.
 */
export function checkedWorkers(roster: Roster, version: 1 | 2, req: CheckedRequest, nowMs: number): CheckedWorkers {
  // The period alone decides which assignments are checked: ask the memo before filtering 1,000 of them.
  const period = paymentPeriod(req.project.startDate, req.approvals, req.valueDate);
  const fitKey = version === 1 ? `|${req.project.bpjsRegistrationNumber ?? ''}|${req.project.contractorEmployerNpp ?? ''}` : '';
  const stale = staleCount(roster.expiries, nowMs);
  const key = `${version}|${period.from}|${period.to}|${stale}${fitKey}`;
  const memo = roster.checked.get(key);
  if (memo) return memo;
  const set = checkedSetOf(version, period, roster.assignments);
  const result = version === 1 ? checkedV1(roster, set, req, nowMs) : { period: set.period, ...checkedPartV2(roster, set, stale, nowMs) };
  if (roster.checked.size >= CHECKED_MEMO_LIMIT) roster.checked.clear();
  roster.checked.set(key, result);
  return result;
}

const sameItems = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((item, i) => item === b[i]);

/** Version 2's checked roster part for `set`, built once per set of assignments and freshness state. */
function checkedPartV2(roster: Roster, set: CheckedSet<AssignmentV2>, stale: number, nowMs: number): CheckedPartV2['part'] {
  const found = roster.checkedParts.find((p) => p.staleCount === stale && sameItems(p.assignments, set.assignments));
  if (found) return found.part;
  const persons = set.niks.map((nik) => personAt(roster.persons.get(nik), nik, nowMs));
  const evidence: EvidenceRosterV2 = { assignments: set.assignments, persons };
  const part = {
    version: 2 as const, roster: evidence, sha256: sha256Hex(canonicalJson(evidence)), canonical: () => canonicalJson(evidence),
    staleNiks: persons.filter(isStale).map((p) => p.nik), persons: phaseMemo(),
  };
  if (roster.checkedParts.length >= CHECKED_MEMO_LIMIT) roster.checkedParts.shift();
  roster.checkedParts.push({ staleCount: stale, assignments: set.assignments, part });
  return part;
}

function checkedV1(roster: Roster, set: CheckedSet<AssignmentV2>, req: CheckedRequest, nowMs: number): CheckedWorkers {
  const persons = new Map(set.niks.map((nik) => [nik, personAt(roster.persons.get(nik), nik, nowMs)]));
  const staleNiks = set.niks.filter((nik) => isStale(persons.get(nik) as EvidencePerson));
  const valueDay = toDayNumber(set.period.to);
  const fit = v1FitContext({ project: req.project });
  const workers = set.assignments.map((a): EvidenceWorker => {
    const person = persons.get(a.nik) as EvidencePerson;
    const end = a.endDate === null ? null : toDayNumber(a.endDate);
    const lastDay = end === null ? valueDay : Math.min(end, valueDay);
    return {
      assignmentId: a.assignmentId, nik: a.nik, name: a.name, kpj: a.kpj, startDate: a.startDate, endDate: a.endDate,
      ...v1Lookup(person, fit, lastDay, end === null || end >= valueDay),
      verifiedAt: person.verifiedAt,
    };
  });
  return { version: 1, period: set.period, workers, sha256: sha256Hex(canonicalJson(workers)), canonical: () => canonicalJson(workers), staleNiks };
}

const PHASES_PER_CHECKED = 8;

/**
 * The persons phases (policy/v2/evaluate.ts) of one checked roster: requests of a project differ in
 * stage, amount and approvals, rarely in how its workers are judged, so each judgement of 1,000
 * workers is made once per context instead of once per request. Held by the memoised checked
 * roster, so it goes when the roster's version does.
 */
function phaseMemo(): PersonsMemo {
  const phases = new Map<string, PersonsPhase>();
  return {
    get: (key) => phases.get(key),
    set(key, phase) {
      if (phases.size >= PHASES_PER_CHECKED) phases.clear();
      phases.set(key, phase);
    },
  };
}

/** Each project's roster under its current version, bounded by the number of rows held. */
export function createRosterCache(maxRows: number) {
  const lru = new WeightedLru<string, Roster>(maxRows, (r) => r.assignments.length + r.persons.size);
  return {
    get(projectId: string, version: string): Roster | undefined {
      const roster = lru.get(projectId);
      return roster?.version === version ? roster : undefined;
    },
    put(roster: Roster): void {
      lru.set(roster.projectId, roster);
    },
  };
}
export type RosterCache = ReturnType<typeof createRosterCache>;
