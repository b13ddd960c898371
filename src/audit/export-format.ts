import type { AuditEvent } from './chain.ts';
import { isoInstant, type EventRow } from './repository.ts';

/** A stored row as exported in a JSON page: exactly the fields and values that were hashed. */
export function toEvent(row: EventRow): AuditEvent {
  return {
    seq: Number(row.seq),
    at: isoInstant(row.at),
    actor: row.actor as AuditEvent['actor'],
    action: row.action as AuditEvent['action'],
    entityType: row.entity_type,
    entityId: row.entity_id,
    data: row.data as AuditEvent['data'],
    requestId: row.request_id,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
