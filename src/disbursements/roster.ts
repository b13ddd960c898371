// A project's roster joined to its workers' memberships, loaded once per roster version and turned
// into the policy's `workers` for a period. Loading and hashing 1,000 rows costs milliseconds; the
// version (bumped by database triggers on any change) lets every later decision reuse them.
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import { toDayNumber, type IsoDate, type Period, type PolicyMembership, type PolicyWorker } from '../policy/index.ts';
import { WeightedLru } from './lru.ts';

/** One worker of the stored evidence: the policy's input plus when BPJS's status was had. */
export type EvidenceWorker = PolicyWorker & { verifiedAt: string | null };

export interface RosterRow {
  assignmentId: string;
  nik: string;
  name: string;
  kpj: string | null;
  startDate: IsoDate;
  endDate: IsoDate | null;
  startDay: number;
  endDay: number | null;
  /** null: no membership row for the NIK; false: BPJS said it knows no such person. */
  found: boolean | null;
  /** The stored record when it is complete enough to judge (found rows only). */
  membership: PolicyMembership | null;
  /** Milliseconds after which the status is too old (as_of + MEMBERSHIP_MAX_AGE_HOURS). */
  expiresAtMs: number | null;
  verifiedAt: string | null;
}

/** The checked workers for one period and freshness state, with their content address. */
export interface CheckedWorkers {
  workers: EvidenceWorker[];
  sha256: string;
  canonical: string;
  /**
   * The NIKs (distinct, sorted) among them whose BPJS status is missing or too old at that moment:
   * what a live upstream should refresh before this request is decided. From the cached roster,
   * so knowing that nothing is stale costs no query.
   */
  staleNiks: string[];
}

export interface Roster {
  projectId: string;
  version: string;
  rows: RosterRow[];
  /** expiresAtMs of every row that has one, ascending: the stale rows at t are a prefix. */
  expiries: number[];
  checked: Map<string, CheckedWorkers>;
}

/** As the repository returns a row: a compact JSON array, in this order. */
export type RawRosterRow = [
  assignmentId: string, nik: string, name: string, kpj: string | null, startDate: string, endDate: string | null,
  found: boolean | null, memberKpj: string | null, status: string | null, programs: string[] | null,
  coverageStart: string | null, coverageEnd: string | null, segment: string | null, projectNumber: string | null,
  employerNpp: string | null, asOfMs: number | null,
];

const SEGMENTS = new Set(['JAKON', 'PU', 'BPU']);
const CHECKED_MEMO_LIMIT = 32;

function toRow(raw: RawRosterRow, maxAgeMs: number): RosterRow {
  const [assignmentId, nik, name, kpj, startDate, endDate, found, memberKpj, status, programs, coverageStart, coverageEnd, segment, projectNumber, employerNpp, asOfMs] = raw;
  const asOf = asOfMs === null ? null : new Date(asOfMs).toISOString();
  // A found record missing what the policy judges cannot be trusted: it counts as unverified.
  const usable = found === true && asOf !== null && status !== null && coverageStart !== null && segment !== null && SEGMENTS.has(segment);
  return {
    assignmentId, nik, name, kpj, startDate, endDate,
    startDay: toDayNumber(startDate),
    endDay: endDate === null ? null : toDayNumber(endDate),
    found,
    membership: usable
      ? {
          nik, kpj: memberKpj, status: status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE', programs: programs ?? [],
          coverageStart, coverageEnd, segment: segment as PolicyMembership['segment'], projectNumber, employerNpp, asOf,
        }
      : null,
    expiresAtMs: asOfMs === null ? null : asOfMs + maxAgeMs,
    verifiedAt: asOf,
  };
}

export function buildRoster(projectId: string, version: string, raw: readonly RawRosterRow[], maxAgeMs: number): Roster {
  const rows = raw.map((r) => toRow(r, maxAgeMs));
  const expiries = rows.flatMap((r) => (r.expiresAtMs === null ? [] : [r.expiresAtMs])).sort((a, b) => a - b);
  return { projectId, version, rows, expiries, checked: new Map() };
}

/** How many rows are stale at `nowMs`; since staleness only grows with time, it names the set. */
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

/** No status at all, or one older than MEMBERSHIP_MAX_AGE_HOURS: worth asking the upstream again. */
const isStale = (row: RosterRow, nowMs: number): boolean => row.found === null || row.expiresAtMs === null || row.expiresAtMs < nowMs;

function lookupOf(row: RosterRow, nowMs: number): PolicyWorker['lookup'] {
  if (row.found === null || row.expiresAtMs === null || row.expiresAtMs < nowMs) return 'UNVERIFIED';
  if (row.found === false) return 'NOT_FOUND';
  return row.membership === null ? 'UNVERIFIED' : 'FOUND';
}

const byNikThenAssignment = (a: RosterRow, b: RosterRow): number =>
  a.nik !== b.nik ? (a.nik < b.nik ? -1 : 1) : a.assignmentId < b.assignmentId ? -1 : a.assignmentId > b.assignmentId ? 1 : 0;

/**
 * The workers whose assignment overlaps the period, as the policy takes them (sorted by NIK, then
 * assignment), with lookups judged at `nowMs`. Memoised per period and freshness state.
 */
export function checkedWorkers(roster: Roster, period: Period, nowMs: number): CheckedWorkers {
  const key = `${period.from}|${period.to}|${staleCount(roster.expiries, nowMs)}`;
  const memo = roster.checked.get(key);
  if (memo) return memo;
  const fromDay = toDayNumber(period.from);
  const toDay = toDayNumber(period.to);
  const rows = roster.rows.filter((r) => r.startDay <= toDay && (r.endDay === null || r.endDay >= fromDay)).sort(byNikThenAssignment);
  const stale = new Set<string>();
  for (const r of rows) if (isStale(r, nowMs)) stale.add(r.nik);
  const workers = rows
    .map((r): EvidenceWorker => ({
      assignmentId: r.assignmentId,
      nik: r.nik,
      name: r.name,
      kpj: r.kpj,
      startDate: r.startDate,
      endDate: r.endDate,
      lookup: lookupOf(r, nowMs),
      membership: r.membership,
      verifiedAt: r.verifiedAt,
    }));
  const canonical = canonicalJson(workers);
  const result = { workers, sha256: sha256Hex(canonical), canonical, staleNiks: [...stale] };
  if (roster.checked.size >= CHECKED_MEMO_LIMIT) roster.checked.clear();
  roster.checked.set(key, result);
  return result;
}

/** Each project's roster under its current version, bounded by the number of rows held. */
export function createRosterCache(maxRows: number) {
  const lru = new WeightedLru<string, Roster>(maxRows, (r) => r.rows.length);
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
