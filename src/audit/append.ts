import { sql, type SQL } from 'drizzle-orm';
import { rows, type Tx } from '../db/client.ts';
import { eventLeafHash, hashEvent, type AuditEvent } from './chain.ts';
import { appendTreeLeaves, treeLeafCte } from './tree-repository.ts';

/**
 * A notification recorded with the event (webhooks/outbox.ts): its SQL runs inside the append's
 * own statement, so a change without subscribers costs no round trip more.
 */
export interface AuditNotice {
  /** CTEs recording the notification (after the event's own), and a text[] expression naming its recipients. */
  sql(event: AuditEvent): { ctes: SQL; targets: SQL };
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

/**
 * Locks the head and returns it. A caller may run this as the main SELECT of its own last
 * statement (after its data-modifying CTEs) and pass the row to appendAudit as `lockedHead`,
 * saving a round trip on a hot path (disbursement decisions); the lock is then held from that
 * statement until commit, exactly as appendAudit's own read would hold it.
 */
export const AUDIT_HEAD_FOR_UPDATE = sql`select seq, hash from audit_head where id = 1 for update`;

/**
 * Appends one event inside the caller's transaction, so the change and its event commit together.
 * Locking the head row both serialises appenders and reads the latest committed head in one round
 * trip; the lock is held until commit, so call this last in the transaction.
 * Why there are no forks or gaps: seq N+1 is computed only while holding the lock that the
 * appender of N held until it committed (READ COMMITTED re-reads the row it waited for), and the
 * event and the head move in one statement, so a rollback takes back both. The seq primary key
 * refuses a fork even if someone bypasses the lock. Under REPEATABLE READ or SERIALIZABLE a
 * concurrent append fails with 40001 instead (retry), never forks.
 * What is hashed is what is stored: `data` goes to jsonb as JSON.stringify prints it, and
 * canonicalize serialises the same values (undefined dropped, toJSON applied).
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, now: () => Date, lockedHead?: AuditHead): Promise<AuditEvent> {
  const [head] = lockedHead ? [lockedHead] : await rows<AuditHead>(tx, AUDIT_HEAD_FOR_UPDATE);
  if (!head) throw new Error('audit_head is missing: migrations not applied');
  const unhashed: Omit<AuditEvent, 'hash'> = {
    seq: Number(head.seq) + 1,
    at: now().toISOString(),
    actor: entry.actor,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    data: entry.data,
    requestId: entry.requestId,
    prevHash: head.hash,
  };
  const event: AuditEvent = { ...unhashed, hash: hashEvent(unhashed) };
  // One statement: the event, the head, the event's Merkle leaf (treeLeafCte) and its notification.
  const notice = entry.notify?.sql(event);
  const [result] = await rows<{ targets: string[] }>(tx, sql`
    with recursive appended as (
      insert into audit_events (seq, at, actor, action, entity_type, entity_id, data, request_id, prev_hash, hash)
      values (${event.seq}, ${event.at}, ${JSON.stringify(event.actor)}::jsonb, ${event.action}, ${event.entityType},
              ${event.entityId}, ${JSON.stringify(event.data)}::jsonb, ${event.requestId}, ${event.prevHash}, ${event.hash})
      returning seq, hash
    ),
    moved as (
      update audit_head set seq = appended.seq, hash = appended.hash from appended where audit_head.id = 1
    ),
    ${treeLeafCte(event.seq - 1, eventLeafHash(event))}
    ${notice ? sql`, ${notice.ctes} select ${notice.targets} as targets` : sql`select '{}'::text[] as targets`}`);
  const targets = result?.targets ?? [];
  if (entry.notify && targets.length > 0) await entry.notify.deliver(tx, targets);
  return event;
}

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
