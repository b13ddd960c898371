// The import's fast path: a record that is plainly valid is checked and normalised here without
// zod (a zod parse costs about 20 µs a record, most of a million-record import). It accepts only
// what `membershipRecordInput` accepts and returns exactly what that schema's parse returns;
// anything else (every record with a problem, and a few valid but unusual spellings) returns null,
// and the caller asks the schema, whose issues then name the problem. test/memberships/
// fast-record.test.ts checks the equivalence with fast-check.
import { isApiDate, isApiInstant } from '../http/schemas.ts';
import { validateKpj, validateNik } from '../policy/identifiers.ts';
import { MEMBERSHIP_STATUSES, PROGRAMS, SEGMENTS, type MembershipRecord } from './schemas.ts';

const REQUIRED = ['nik', 'kpj', 'name', 'status', 'programs', 'coverageStart', 'coverageEnd', 'segment', 'asOf'] as const;
const KNOWN = new Set<string>([...REQUIRED, 'projectNumber', 'employerNpp']);
const STATUSES = new Set<string>(MEMBERSHIP_STATUSES);
const SEGMENT_SET = new Set<string>(SEGMENTS);
const PROGRAM_BIT = new Map<string, number>(PROGRAMS.map((p, i) => [p, 1 << i]));
const DIGITS = /^\d{1,40}$/;
// Stricter than zod's ISO datetime (upper-case T and Z, an offset with a colon): a subset of it.
const INSTANT = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

const optionalDigits = (v: unknown): v is string | null | undefined => v === undefined || v === null || (typeof v === 'string' && DIGITS.test(v));

/**
 * The last answer of a pure check on a string, kept: a snapshot's records mostly share their dates
 * and asOf, whose checks (and asOf's normalisation) cost more than the rest of a record.
 */
function lastAnswer<T>(compute: (value: string) => T): (value: string) => T {
  let lastValue: string | undefined;
  let lastResult: T;
  return (value) => {
    if (value !== lastValue) {
      lastResult = compute(value);
      lastValue = value;
    }
    return lastResult as T;
  };
}
const startValid = lastAnswer(isApiDate);
const endValid = lastAnswer(isApiDate);
/** asOf in UTC as the schema normalises it, or null when the schema would refuse it. */
const normalisedAsOf = lastAnswer((asOf) => (INSTANT.test(asOf) && isApiInstant(asOf) ? new Date(asOf).toISOString() : null));

/** The record as `membershipRecordInput.parse` would return it, or null: ask the schema. */
export function fastMembershipRecord(value: unknown): MembershipRecord | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) return null;
  const r = value as Record<string, unknown>;
  for (const key in r) if (!KNOWN.has(key)) return null;
  const { nik, kpj, name, status, programs, coverageStart, coverageEnd, segment, projectNumber, employerNpp, asOf } = r;
  if (typeof nik !== 'string' || nik.length > 64 || !validateNik(nik, 'en').ok) return null;
  if (typeof kpj !== 'string' || kpj.length > 64 || !validateKpj(kpj, 'en').ok) return null;
  if (typeof name !== 'string') return null;
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 200) return null;
  if (typeof status !== 'string' || !STATUSES.has(status)) return null;
  if (!Array.isArray(programs) || programs.length > PROGRAMS.length) return null;
  let bits = 0;
  for (const p of programs) {
    const bit = typeof p === 'string' ? PROGRAM_BIT.get(p) : undefined;
    if (bit === undefined || (bits & bit) !== 0) return null;
    bits |= bit;
  }
  if (typeof coverageStart !== 'string' || !startValid(coverageStart)) return null;
  if (typeof coverageEnd !== 'string' || !endValid(coverageEnd) || coverageEnd < coverageStart) return null;
  if (typeof segment !== 'string' || !SEGMENT_SET.has(segment)) return null;
  if (!optionalDigits(projectNumber) || !optionalDigits(employerNpp)) return null;
  const utcAsOf = typeof asOf === 'string' ? normalisedAsOf(asOf) : null;
  if (utcAsOf === null) return null;
  const record: MembershipRecord = {
    nik, kpj, name: trimmed, status: status as MembershipRecord['status'],
    programs: PROGRAMS.filter((_, i) => (bits & (1 << i)) !== 0),
    coverageStart, coverageEnd, segment: segment as MembershipRecord['segment'],
    asOf: utcAsOf,
  };
  // As zod's object parse: an optional key sent (even as null) is kept, one not sent stays absent.
  if ('projectNumber' in r) record.projectNumber = projectNumber;
  if ('employerNpp' in r) record.employerNpp = employerNpp;
  return record;
}
