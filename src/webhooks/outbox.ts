// The transactional outbox: a change that clients may want to hear about records its notification
// in its own transaction (through appendAudit's `notify`), as an event row plus one pg-boss job per
// subscribed endpoint. Both commit with the change or not at all, so nothing is sent for a change
// that rolled back and nothing is lost for one that committed.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { fromDrizzle, type PgBoss } from 'pg-boss';
import type { AuditEvent } from '../audit/chain.ts';
import type { Tx } from '../db/client.ts';
import { recordEvent } from './repository.ts';
import type { WebhookEventType } from './schemas.ts';

export const DELIVER_QUEUE = 'webhook-deliver';

export interface RetrySettings {
  retryLimit: number;
  retryDelay: number;
  retryDelayMax: number;
}

export interface Outbox {
  /** Records one notification inside the caller's transaction. */
  record(tx: Tx, type: WebhookEventType, opdCode: string | null, data: unknown): Promise<void>;
  /**
   * What appendAudit's `notify` takes: the same, run once the audit event is appended; `data` may
   * be a function of that event (a decision's body carries its auditSeq).
   */
  notice(type: WebhookEventType, opdCode: string | null, data: unknown): (tx: Tx, event: AuditEvent) => Promise<void>;
}

export function createOutbox(boss: PgBoss, clock: () => Date, retry: RetrySettings | null, onRecorded: () => void): Outbox {
  const record = async (tx: Tx, type: WebhookEventType, opdCode: string | null, data: unknown) => {
    const id = randomUUID();
    const targets = await recordEvent(tx, { id, type, opdCode, data, at: clock() });
    if (targets.length === 0) return;
    const jobs = targets.map((webhookId) => ({
      data: { eventId: id, webhookId },
      ...(retry ? { retryLimit: retry.retryLimit, retryDelay: retry.retryDelay, retryBackoff: true, retryDelayMax: retry.retryDelayMax } : {}),
    }));
    // drizzle's transaction object is what the adapter expects; its types are looser than ours.
    await boss.insert(DELIVER_QUEUE, jobs, { db: fromDrizzle(tx as never, sql as never) });
    onRecorded();
  };
  return {
    record,
    notice: (type, opdCode, data) => (tx, event) => record(tx, type, opdCode, typeof data === 'function' ? (data as (e: AuditEvent) => unknown)(event) : data),
  };
}

/** Until the job queue has started (or where there is none): recording a notification is a bug. */
export const disabledOutbox: Outbox = {
  record: async () => {
    throw new Error('webhooks are not started in this process');
  },
  notice: () => async () => {
    throw new Error('webhooks are not started in this process');
  },
};
