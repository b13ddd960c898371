import { sql } from 'drizzle-orm';
import { rows, type Tx } from '../db/client.ts';
import { hashEvent, type AuditAction, type AuditActor, type AuditEvent } from './chain.ts';

export interface AuditEntry {
  actor: AuditActor;
  action: AuditAction;
  entityType: string;
  entityId: string;
  data: Record<string, unknown>;
  requestId: string | null;
}

/**
 * Appends one event inside the caller's transaction, so the change and its event commit together.
 * Locking the head row both serialises appenders and reads the latest committed head in one round
 * trip; the lock is held until commit, so call this last in the transaction.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, now: () => Date): Promise<AuditEvent> {
  const [head] = await rows<{ seq: string | number; hash: string }>(tx, sql`select seq, hash from audit_head where id = 1 for update`);
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
  await tx.execute(sql`
    with appended as (
      insert into audit_events (seq, at, actor, action, entity_type, entity_id, data, request_id, prev_hash, hash)
      values (${event.seq}, ${event.at}, ${JSON.stringify(event.actor)}::jsonb, ${event.action}, ${event.entityType},
              ${event.entityId}, ${JSON.stringify(event.data)}::jsonb, ${event.requestId}, ${event.prevHash}, ${event.hash})
      returning seq, hash
    )
    update audit_head set seq = appended.seq, hash = appended.hash from appended where audit_head.id = 1`);
  return event;
}
