// A project's roster joined to its workers' memberships, loaded once per roster version and turned
// into the policy's `workers` for a period. Loading and hashing 1,000 rows costs milliseconds; the
// version (bumped by database triggers on any change) lets every later decision reuse them.
// A worker's NIK may hold several coverages (contract 2.2): every one is loaded (`coverages`), and
// version 1's one membership is the one that fits the project best (policy/v1-input.ts).
import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import type { FitContext } from '../policy/coverage.ts';
import { toDayNumber, type IsoDate, type Period, type PolicyMembership, type PolicyWorker } from '../policy/index.ts';
import { v1Lookup } from '../policy/v1-input.ts';
import type { CoverageV2, PersonV2 } from '../policy/v2/types.ts';
import { WeightedLru } from './lru.ts';

/** One worker of the stored evidence: the policy's input plus when BPJS's status was had. */
export type EvidenceWorker = PolicyWorker & { verifiedAt: string | null };

/** One stored coverage (current record) of a NIK, complete enough to judge, with when it stops being fresh. */
export type StoredCoverage = Omit<CoverageV2, 'fresh' | 'history'> & { expiresAtMs: number };

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
  /** Every current coverage of the NIK complete enough to judge (found rows only), in key order. */
  coverages: StoredCoverage[];
  /** found = false: when that answer stops being fresh. */
  notFoundExpiresAtMs: number | null;
  /** When the NIK's rows stop being fresh: the earliest expiry of any of them (null: no row). */
  expiresAtMs: number | null;
  /** The latest asOf among the NIK's rows (null: no row). */
  verifiedAt: string | null;
}

/** The checked workers for one period and freshness state, with their content address. */
export interface CheckedWorkers {
  workers: EvidenceWorker[];
  sha256: string;
  canonical: string;
  /**
   * The NIKs (distinct, sorted) among them whose BPJS status is missing or too old at that moment
   * (any coverage): what a live upstream should refresh before this request is decided. From the
   * cached roster, so knowing that nothing is stale costs no query.
   */
  staleNiks: string[];
}

export interface Roster {
  projectId: string;
  version: string;
  rows: RosterRow[];
  /** expiresAtMs of every stored row (coverage) of the roster's NIKs, ascending: the stale ones at t are a prefix. */
  expiries: number[];
  checked: Map<string, CheckedWorkers>;
}

/** One stored membership row of the NIK as the repository returns it: a compact JSON array, in this order. */
export type RawCoverage = [
  found: boolean, kpj: string | null, status: string | null, programs: string[] | null,
  coverageStart: string | null, coverageEnd: string | null, segment: string | null, projectNumber: string | null,
  employerNpp: string | null, asOfMs: number, changedAtMs: number,
];

/** As the repository returns a row: a compact JSON array, in this order (coverages null: none stored). */
export type RawRosterRow = [
  assignmentId: string, nik: string, name: string, kpj: string | null, startDate: string, endDate: string | null,
  coverages: RawCoverage[] | null,
];

const SEGMENTS = new Set(['JAKON', 'PU', 'BPU']);
const CHECKED_MEMO_LIMIT = 32;

const iso = (ms: number): string => new Date(ms).toISOString();

function toRow(raw: RawRosterRow, maxAgeMs: number): RosterRow {
  const [assignmentId, nik, name, kpj, startDate, endDate, stored] = raw;
  let found: boolean | null = null;
  let notFoundExpiresAtMs: number | null = null;
  let expiresAtMs: number | null = null;
  let latestAsOfMs: number | null = null;
  const coverages: StoredCoverage[] = [];
  for (const [rowFound, memberKpj, status, programs, coverageStart, coverageEnd, segment, projectNumber, employerNpp, asOfMs, changedAtMs] of stored ?? []) {
    const expires = asOfMs + maxAgeMs;
    expiresAtMs = expiresAtMs === null ? expires : Math.min(expiresAtMs, expires);
    latestAsOfMs = latestAsOfMs === null ? asOfMs : Math.max(latestAsOfMs, asOfMs);
    if (!rowFound) {
      found = found ?? false;
      notFoundExpiresAtMs = Math.max(notFoundExpiresAtMs ?? 0, expires);
      continue;
    }
    found = true;
    // A found record missing what the policy judges cannot be trusted: it counts as unverified.
    if (status === null || coverageStart === null || segment === null || !SEGMENTS.has(segment)) continue;
    coverages.push({
      nik, kpj: memberKpj, status: status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE', programs: programs ?? [],
      coverageStart, coverageEnd, segment: segment as PolicyMembership['segment'], projectNumber, employerNpp,
      asOf: iso(asOfMs), changedAt: iso(changedAtMs), expiresAtMs: expires,
    });
  }
  return {
    assignmentId, nik, name, kpj, startDate, endDate,
    startDay: toDayNumber(startDate),
    endDay: endDate === null ? null : toDayNumber(endDate),
    found, coverages, notFoundExpiresAtMs, expiresAtMs,
    verifiedAt: latestAsOfMs === null ? null : iso(latestAsOfMs),
  };
}

export function buildRoster(projectId: string, version: string, raw: readonly RawRosterRow[], maxAgeMs: number): Roster {
  const rows = raw.map((r) => toRow(r, maxAgeMs));
  const expiries = raw.flatMap((r) => (r[6] ?? []).map((c) => c[9] + maxAgeMs)).sort((a, b) => a - b);
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

/** BPJS's answer for the row's NIK as it stands at `nowMs`, in the shape the coverage chooser reads. */
function personAt(row: RosterRow, nowMs: number): PersonV2 {
  if (row.found === null) return { nik: row.nik, lookup: 'UNVERIFIED', coverages: [] };
  const coverages = row.coverages.map(({ expiresAtMs, ...c }): CoverageV2 => ({ ...c, fresh: expiresAtMs >= nowMs, history: [] }));
  if (row.found === false) {
    const fresh = row.notFoundExpiresAtMs !== null && row.notFoundExpiresAtMs >= nowMs;
    return { nik: row.nik, lookup: fresh ? 'NOT_FOUND' : 'UNVERIFIED', coverages: [] };
  }
  return { nik: row.nik, lookup: 'FOUND', coverages };
}

const byNikThenAssignment = (a: RosterRow, b: RosterRow): number =>
  a.nik !== b.nik ? (a.nik < b.nik ? -1 : 1) : a.assignmentId < b.assignmentId ? -1 : a.assignmentId > b.assignmentId ? 1 : 0;

/**
 * The workers whose assignment overlaps the period, as the policy takes them (sorted by NIK, then
 * assignment), with lookups judged at `nowMs`: each worker's membership is the coverage that fits
 * the project best (`fit`; a fresh one before any stale one). Memoised per period, freshness state
 * and fit.
 */
export function checkedWorkers(roster: Roster, period: Period, nowMs: number, fit: FitContext): CheckedWorkers {
  const key = `${period.from}|${period.to}|${staleCount(roster.expiries, nowMs)}|${fit.registrationNumber ?? ''}|${fit.contractorEmployerNpp ?? ''}|${fit.puNeedsEmployer}|${fit.jakonUnjudged}`;
  const memo = roster.checked.get(key);
  if (memo) return memo;
  const fromDay = toDayNumber(period.from);
  const toDay = toDayNumber(period.to);
  const rows = roster.rows.filter((r) => r.startDay <= toDay && (r.endDay === null || r.endDay >= fromDay)).sort(byNikThenAssignment);
  const stale = new Set<string>();
  for (const r of rows) if (isStale(r, nowMs)) stale.add(r.nik);
  const workers = rows
    .map((r): EvidenceWorker => {
      const lastDay = r.endDay === null ? toDay : Math.min(r.endDay, toDay);
      const { lookup, membership } = v1Lookup(personAt(r, nowMs), fit, lastDay, r.endDay === null || r.endDay >= toDay);
      return {
        assignmentId: r.assignmentId,
        nik: r.nik,
        name: r.name,
        kpj: r.kpj,
        startDate: r.startDate,
        endDate: r.endDate,
        lookup,
        membership,
        // When BPJS's status was had: that of the coverage judged, else the NIK's latest answer.
        verifiedAt: membership?.asOf ?? r.verifiedAt,
      };
    });
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
