import { sql, type SQL } from 'drizzle-orm';
import { rows, type Tx } from '../db/client.ts';
import { canonicalJson } from '../canonical-json.ts';
import { eventLeafHash, hashEvent, type AuditEvent } from './chain.ts';
import { appendTreeLeaves } from './tree-repository.ts';

/** A webhook notification's row (webhook_events), stored only when some endpoint subscribed to it. */
export interface NoticeRow {
  id: string;
  type: string;
  opdCode: string | null;
  data: unknown;
  at: Date;
  /** A top-level key of `data` that takes the event's seq (a decision's auditSeq), or none. */
  seqKey?: string | undefined;
}

/**
 * A notification recorded with the event (webhooks/outbox.ts) by the append's own statement, so
 * a change without subscribers costs no round trip more.
 */
export interface AuditNotice {
  /** The notification of the event. */
  row(): NoticeRow;
  /** After the statement, with the recipients found (none: nothing to do). */
  deliver(tx: Tx, targets: readonly string[]): Promise<void>;
}

/**
 * What a change says about itself; the chain adds seq, at, prevHash and hash. `notify` writes the
 * change's webhook notification to the outbox (webhooks/outbox.ts) in the same transaction.
 */
export type AuditEntry = Pick<AuditEvent, 'actor' | 'action' | 'entityType' | 'entityId' | 'data' | 'requestId'> & {
  notify?: AuditNotice;
};

/** The chain's head as read under its lock. */
export interface AuditHead {
  seq: string | number;
  hash: string;
}

/** Locks the chain's head and returns it (bulk appends and the tree's catch-up). */
export const AUDIT_HEAD_FOR_UPDATE = sql`select seq, hash from audit_head where id = 1 for update`;

const REQUEST_ID_KEY = ',"requestId":';

/**
 * The event's RFC 8785 text around what only the chain's head decides (prevHash and seq), as
 * gerbang_append_audit (migration 0027) completes it: the keys sort as action, actor, at, data,
 * entityId, entityType, [hash,] prevHash, requestId, seq, so `pre` ends with entityType's value and
 * `post` closes prevHash and holds requestId. requestId is the last key of the text made here, and
 * no JSON value holds an unescaped quote, so its last occurrence is its own.
 */
function canonicalEventParts(e: Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>): { pre: string; post: string } {
  const base = canonicalJson({ action: e.action, actor: e.actor, at: e.at, data: e.data, entityId: e.entityId, entityType: e.entityType, requestId: e.requestId });
  const i = base.lastIndexOf(REQUEST_ID_KEY);
  return { pre: base.slice(0, i), post: `"${REQUEST_ID_KEY}${base.slice(i + REQUEST_ID_KEY.length, -1)},"seq":` };
}

/**
 * Appends one event inside the caller's transaction, so the change and its event commit together.
 * One call does it all (migration 0027, gerbang_append_audit): it locks the head, which both
 * serialises appenders and reads the latest committed head, then hashes the event from the
 * canonical text made here (canonicalEventParts), stores it, moves the head, stores the event's
 * Merkle leaf and its notification. The lock is held until commit, so call this last in the
 * transaction: nothing but the commit then follows while the chain is locked.
 * `changes`: data-modifying CTEs of the change itself (they must not touch the audit tables), run
 * in the same statement: a hot path (decisions) saves its own round trip. They must end in a CTE
 * named `written` that reads every one of them to its end (`select count(*) from ...`): the
 * append reads from it, so the changes are done before the chain is locked, not after.
 * Why there are no forks or gaps: seq N+1 is computed only while holding the lock that the
 * appender of N held until it committed (READ COMMITTED re-reads the row it waited for), and the
 * event and the head move in one transaction, so a rollback takes back both. The seq primary key
 * refuses a fork even if someone bypasses the lock. Under REPEATABLE READ or SERIALIZABLE a
 * concurrent append fails with 40001 instead (retry), never forks.
 * What is hashed is what is stored: `data` goes to jsonb as JSON.stringify prints it, and
 * canonicalize serialises the same values (undefined dropped, toJSON applied); GET /v1/audit/verify
 * re-hashes every event here.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, now: () => Date, changes?: SQL): Promise<AuditEvent> {
  const { call, body } = auditAppendCall(entry, now);
  const [result] = await rows<{ appended: AppendedAudit }>(tx, sql`
    ${changes ? sql`with ${changes} ` : sql``}select ${call} as appended${changes ? sql` from written` : sql``}`);
  if (!result) throw new Error('the audit append returned nothing');
  const { targets } = result.appended;
  if (entry.notify && targets.length > 0) await entry.notify.deliver(tx, targets);
  return auditEventOf(body, result.appended);
}

/** What gerbang_append_audit answers. */
export interface AppendedAudit {
  seq: number | string;
  prevHash: string;
  hash: string;
  /** The notification's recipients (none without a notification). */
  targets: string[];
}

/** An event as a statement will append it: the call of gerbang_append_audit, and what it hashes. */
export interface AuditCall {
  call: SQL;
  body: Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;
}

/**
 * The call of gerbang_append_audit (migration 0027) for `entry`, for a statement that runs it
 * where it must (appendAudit, or a decision's single statement that runs it only when its guard
 * lets it: disbursements/repository.ts). The event's `at` is taken now.
 */
export function auditAppendCall(entry: AuditEntry, now: () => Date): AuditCall {
  const body = {
    at: now().toISOString(), actor: entry.actor, action: entry.action, entityType: entry.entityType, entityId: entry.entityId,
    data: entry.data, requestId: entry.requestId,
  };
  const { pre, post } = canonicalEventParts(body);
  const n = entry.notify?.row();
  const call = sql`gerbang_append_audit(${pre}, ${post}, ${body.at}::timestamptz, ${JSON.stringify(body.actor)}::jsonb, ${body.action},
      ${body.entityType}, ${body.entityId}, ${JSON.stringify(body.data)}::jsonb, ${body.requestId},
      ${n?.id ?? null}::uuid, ${n?.type ?? null}, ${n?.opdCode ?? null}, ${n ? JSON.stringify(n.data) : null}::jsonb,
      ${n ? n.at.toISOString() : null}::timestamptz, ${n?.seqKey ?? null})`;
  return { call, body };
}

/** The appended event, from what was hashed and what the database answered. */
export const auditEventOf = (body: AuditCall['body'], appended: AppendedAudit): AuditEvent =>
  ({ seq: Number(appended.seq), ...body, prevHash: appended.prevHash, hash: appended.hash });

/**
 * Appends many events in one statement under one head lock (bulk loads, benchmarks): the same
 * chain as calling appendAudit for each entry in order, at a fraction of the round trips.
 */
export async function appendAuditBatch(tx: Tx, entries: readonly AuditEntry[], now: () => Date): Promise<AuditEvent[]> {
  if (entries.length === 0) return [];
  const [head] = await rows<AuditHead>(tx, AUDIT_HEAD_FOR_UPDATE);
  if (!head) throw new Error('audit_head is missing: migrations not applied');
  let seq = Number(head.seq);
  let prevHash = head.hash;
  const at = now().toISOString();
  const events = entries.map((entry): AuditEvent => {
    const unhashed: Omit<AuditEvent, 'hash'> = {
      seq: ++seq, at, actor: entry.actor, action: entry.action, entityType: entry.entityType, entityId: entry.entityId,
      data: entry.data, requestId: entry.requestId, prevHash,
    };
    prevHash = hashEvent(unhashed);
    return { ...unhashed, hash: prevHash };
  });
  await tx.execute(sql`
    with appended as (
      insert into audit_events (seq, at, actor, action, entity_type, entity_id, data, request_id, prev_hash, hash)
      select seq, at, actor, action, "entityType", "entityId", data, "requestId", "prevHash", hash
      from jsonb_to_recordset(${JSON.stringify(events)}::jsonb)
        as e(seq bigint, at timestamptz, actor jsonb, action text, "entityType" text, "entityId" text, data jsonb, "requestId" text, "prevHash" text, hash text)
      order by seq
      returning seq, hash
    )
    update audit_head set seq = last.seq, hash = last.hash
    from (select seq, hash from appended order by seq desc limit 1) as last where audit_head.id = 1`);
  await appendTreeLeaves(tx, Number(head.seq), events.map(eventLeafHash));
  return events;
}
