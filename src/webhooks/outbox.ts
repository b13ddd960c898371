// The transactional outbox: a change that clients may want to hear about records its notification
// in its own transaction (through appendAudit's `notify`), as an event row plus one pg-boss job per
// subscribed endpoint. Both commit with the change or not at all, so nothing is sent for a change
// that rolled back and nothing is lost for one that committed.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { fromDrizzle, type PgBoss } from 'pg-boss';
import type { AuditNotice } from '../audit/append.ts';
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
   * What appendAudit's `notify` takes: the same, recorded by the append's own statement; `seqKey`
   * names a top-level key of `data` that takes the event's seq (a decision's body carries its auditSeq).
   */
  notice(type: WebhookEventType, opdCode: string | null, data: unknown, seqKey?: string): AuditNotice;
}

export function createOutbox(boss: PgBoss, clock: () => Date, retry: RetrySettings | null, onRecorded: () => void): Outbox {
  /** One delivery job per subscribed endpoint, in the same transaction. */
  const enqueue = async (tx: Tx, eventId: string, targets: readonly string[]) => {
    if (targets.length === 0) return;
    const jobs = targets.map((webhookId) => ({
      data: { eventId, webhookId },
      ...(retry ? { retryLimit: retry.retryLimit, retryDelay: retry.retryDelay, retryBackoff: true, retryDelayMax: retry.retryDelayMax } : {}),
    }));
    // drizzle's transaction object is what the adapter expects; its types are looser than ours.
    await boss.insert(DELIVER_QUEUE, jobs, { db: fromDrizzle(tx as never, sql as never) });
    onRecorded();
  };
  return {
    async record(tx, type, opdCode, data) {
      const id = randomUUID();
      await enqueue(tx, id, await recordEvent(tx, { id, type, opdCode, data, at: clock() }));
    },
    notice(type, opdCode, data, seqKey) {
      const id = randomUUID();
      return {
        row: () => ({ id, type, opdCode, at: clock(), data, seqKey }),
        deliver: (tx, targets) => enqueue(tx, id, targets),
      };
    },
  };
}

/** Until the job queue has started (or where there is none): recording a notification is a bug. */
export const disabledOutbox: Outbox = {
  record: async () => {
    throw new Error('webhooks are not started in this process');
  },
  notice: () => {
    throw new Error('webhooks are not started in this process');
  },
};
