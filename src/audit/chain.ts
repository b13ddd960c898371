import { canonicalJson, sha256Hex } from '../canonical-json.ts';
import { leafHash } from './merkle.ts';

export const GENESIS_HASH = '0'.repeat(64);

export const AUDIT_ACTIONS = [
  'opd.created',
  'contractor.created',
  'project.created',
  'project.updated',
  'roster.replaced',
  'roster.worker_added',
  'roster.worker_ended',
  'roster.assignment_corrected',
  'membership.imported',
  'membership.refreshed',
  'registration.imported',
  'disbursement.decided',
  'disbursement.voided',
  'audit.exported',
  'holidays.replaced',
  'override.requested',
  'override.approved',
  'override.rejected',
  'webhook.created',
  'webhook.deleted',
  'audit.witness_registered',
  'audit.cosigned',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditActor {
  sub: string;
  roles: string[];
  opd: string | null;
}

/** An event exactly as exported; `hash` covers every other field, in this shape. */
export interface AuditEvent {
  seq: number;
  at: string; // RFC 3339 UTC with milliseconds, as Date#toISOString prints it
  actor: AuditActor;
  action: AuditAction;
  entityType: string;
  entityId: string;
  data: Record<string, unknown>;
  requestId: string | null;
  prevHash: string;
  hash: string;
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the event without `hash`. */
export function hashEvent(event: Omit<AuditEvent, 'hash'>): string {
  return sha256Hex(canonicalJson(event));
}

/** The event's leaf in the Merkle tree: SHA-256(0x00 || RFC 8785 canonical JSON of the whole event, hash included). */
export function eventLeafHash(event: AuditEvent): Buffer {
  return leafHash(canonicalJson(event));
}
