import { canonicalJson, quoteJsonString, sha256Hex } from '../canonical-json.ts';
import { GENESIS_HASH, hashEvent, type AuditEvent } from './chain.ts';

// Stored rows are hashed with their top level written by hand (storedEventHasher); a mismatch is
// always re-checked with `hashEvent` (canonicalJson over the whole event), so the hand-written text
// is never the judge.

/** The hash over canonicalJson (the `canonicalize` package's text), or '' when the value cannot be canonicalised. */
function referenceHash(unhashed: Record<string, unknown>): string {
  try {
    return hashEvent(unhashed as Omit<AuditEvent, 'hash'>);
  } catch {
    return ''; // a lone surrogate or a non-finite number: never matches a hash
  }
}

/** SHA-256 hex of the canonical JSON of `event` without its `hash` member (any other member counts). */
export function recomputeHash(event: Record<string, unknown>): string {
  const { hash: _hash, ...rest } = event;
  return referenceHash(rest);
}

/** An event as a database row holds it: text columns as strings, data parsed, actor as JSON text. */
export interface StoredEvent {
  seq: number;
  at: string;
  actorText: string;
  action: string;
  entityType: string;
  entityId: string;
  data: unknown;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

/**
 * Hashes stored events (the verify endpoint's hot path): the top level is written in its fixed
 * sorted key order directly, only data is sorted, and the canonical form of each distinct actor
 * (a handful of people and systems) is computed once.
 */
export function storedEventHasher(): (e: StoredEvent) => string {
  const actors = new Map<string, string>();
  const canonicalActor = (text: string): string => {
    let canonical = actors.get(text);
    if (canonical === undefined) {
      canonical = canonicalJson(JSON.parse(text));
      if (actors.size < 10_000) actors.set(text, canonical);
    }
    return canonical;
  };
  return (e) => {
    try {
      const text = `{"action":${quoteJsonString(e.action)},"actor":${canonicalActor(e.actorText)},"at":${quoteJsonString(e.at)},"data":${canonicalJson(e.data)},"entityId":${quoteJsonString(e.entityId)},"entityType":${quoteJsonString(e.entityType)},"prevHash":${quoteJsonString(e.prevHash)},"requestId":${e.requestId === null ? 'null' : quoteJsonString(e.requestId)},"seq":${e.seq}}`;
      const fast = sha256Hex(text);
      if (fast === e.hash) return fast;
    } catch {
      // fall through to the reference implementation
    }
    let actor: unknown;
    try {
      actor = JSON.parse(e.actorText);
    } catch {
      return '';
    }
    return referenceHash({ seq: e.seq, at: e.at, actor, action: e.action, entityType: e.entityType, entityId: e.entityId, data: e.data, requestId: e.requestId, prevHash: e.prevHash });
  };
}

export const CHAIN_PROBLEMS = ['HASH_MISMATCH', 'BROKEN_LINK', 'MISSING_EVENT', 'UNEXPECTED_EVENT', 'MALFORMED_EVENT', 'HEAD_MISMATCH'] as const;
export type ChainProblem = (typeof CHAIN_PROBLEMS)[number];

export interface ChainVerdict {
  ok: boolean;
  /** Events examined, the invalid one included. */
  checked: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The stored hash of the last event examined (meaningful when ok). */
  lastHash: string | null;
  firstInvalidSeq?: number;
  reason?: ChainProblem;
  detail?: string;
}

export interface ChainStart {
  /** The seq the first event must have; undefined accepts the first event's (a partial export). */
  seq?: number;
  /** What the first event's prevHash must be; null when unknown (the link before it is not checked). */
  prevHash: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks events one at a time, in order, keeping only the previous hash: bounded memory for any
 * range. The first event's seq and prevHash come from `start` (seq 1 must link to GENESIS_HASH).
 * Stops judging at the first invalid event; later pushes are ignored.
 */
export interface ChainLinks {
  seq?: unknown;
  prevHash?: unknown;
  hash?: unknown;
}

export function createChainVerifier<T extends ChainLinks = Record<string, unknown> & ChainLinks>(
  start: ChainStart,
  /** Recomputes an entry's hash (given what it should be, to skip the slow re-check when it matches). */
  hashOf: (entry: T) => string = recomputeHash as unknown as (entry: T) => string,
) {
  let expectedSeq = start.seq;
  let prevHash = start.prevHash;
  const verdict: ChainVerdict = { ok: true, checked: 0, firstSeq: null, lastSeq: null, lastHash: null };

  const fail = (seq: number, reason: ChainProblem, detail: string): false => {
    if (verdict.ok) Object.assign(verdict, { ok: false, firstInvalidSeq: seq, reason, detail });
    return false;
  };

  return {
    /** Judges the next event; false once the chain is invalid. */
    push(event: T): boolean {
      if (!verdict.ok) return false;
      verdict.checked++;
      const seq = event.seq;
      if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
        return fail(expectedSeq ?? 0, 'MALFORMED_EVENT', 'seq is not a positive integer');
      }
      if (expectedSeq === undefined) {
        expectedSeq = seq;
        if (seq === 1 && prevHash === null) prevHash = GENESIS_HASH;
      }
      verdict.firstSeq ??= seq;
      if (seq > expectedSeq) return fail(expectedSeq, 'MISSING_EVENT', `seq ${expectedSeq} is missing (next present: ${seq})`);
      if (seq < expectedSeq) return fail(seq, 'UNEXPECTED_EVENT', `seq ${seq} appears again or out of order after ${expectedSeq - 1}`);
      const hash = event.hash;
      if (typeof hash !== 'string') return fail(seq, 'MALFORMED_EVENT', 'hash is not a string');
      if (hashOf(event) !== hash) {
        return HEX64.test(hash)
          ? fail(seq, 'HASH_MISMATCH', 'the event does not hash to its stored hash: a field was changed')
          : fail(seq, 'MALFORMED_EVENT', 'hash is not 64 lowercase hex digits');
      }
      if (prevHash !== null && event.prevHash !== prevHash) {
        return fail(seq, 'BROKEN_LINK', `prevHash does not name the hash of seq ${seq - 1}`);
      }
      prevHash = hash;
      expectedSeq = seq + 1;
      verdict.lastSeq = seq;
      verdict.lastHash = hash;
      return true;
    },
    /** Records a problem found outside the event stream (a missing tail, the head row). */
    fail,
    /** The seq the next event must have. */
    get nextSeq(): number | undefined {
      return expectedSeq;
    },
    get ok(): boolean {
      return verdict.ok;
    },
    verdict(): ChainVerdict {
      return { ...verdict };
    },
  };
}

export type ChainVerifier = ReturnType<typeof createChainVerifier>;
