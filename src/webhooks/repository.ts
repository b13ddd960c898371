// SQL of webhooks: endpoints, the outbox (webhook_events) and delivery attempts.
import { sql, type SQL } from 'drizzle-orm';
import type { NoticeRow } from '../audit/append.ts';
import { rows, type Executor, utc } from '../db/client.ts';
import type { WebhookEventType } from './schemas.ts';

export interface WebhookRow {
  id: string;
  url: string;
  events: WebhookEventType[];
  opdCode: string | null;
  createdBy: string;
  createdAt: string;
  disabledAt: string | null;
  deletedAt: string | null;
}

const webhookColumns = sql`w.id, w.url, w.events, w.opd_code as "opdCode", w.created_by as "createdBy",
  ${utc(sql`w.created_at`)} as "createdAt", ${utc(sql`w.disabled_at`)} as "disabledAt", ${utc(sql`w.deleted_at`)} as "deletedAt"`;

export async function insertWebhook(db: Executor, w: { url: string; events: string[]; opdCode: string | null; createdBy: string; at: Date }) {
  const [row] = await rows<WebhookRow>(db, sql`
    with w as (insert into webhooks (url, events, opd_code, created_by, created_at)
      values (${w.url}, ${sql`array[${sql.join(w.events.map((e) => sql`${e}`), sql`, `)}]::text[]`}, ${w.opdCode}, ${w.createdBy}, ${w.at.toISOString()})
      returning *)
    select ${webhookColumns} from w`);
  if (!row) throw new Error('insert returned nothing');
  return row;
}

/** Live endpoints (not deleted), of one OPD or all. */
export function listWebhooks(db: Executor, opdCode: string | null) {
  return rows<WebhookRow>(db, sql`select ${webhookColumns} from webhooks w
    where w.deleted_at is null ${opdCode === null ? sql`` : sql`and w.opd_code = ${opdCode}`} order by w.created_at, w.id`);
}

export async function findWebhook(db: Executor, id: string) {
  const [row] = await rows<WebhookRow>(db, sql`select ${webhookColumns} from webhooks w where w.id = ${id} and w.deleted_at is null`);
  return row ?? null;
}

export async function markDeleted(db: Executor, id: string, at: Date) {
  await db.execute(sql`update webhooks set deleted_at = ${at.toISOString()} where id = ${id} and deleted_at is null`);
}

export async function disableWebhook(db: Executor, id: string, at: Date, reason: string) {
  await db.execute(sql`update webhooks set disabled_at = ${at.toISOString()}, disabled_reason = ${reason} where id = ${id} and disabled_at is null`);
}

/**
 * The outbox write, one round trip: the live endpoints that want this event, and the event row
 * itself only when there is at least one (a decision nobody listens to leaves nothing behind).
 */
/**
 * Records an event for the endpoints subscribed to it (the row only when there is one) and answers
 * their ids (migration 0027, gerbang_record_webhook_event; the audit append calls it too, for the
 * notification of its event).
 */
export async function recordEvent(db: Executor, e: NoticeRow): Promise<string[]> {
  const [row] = await rows<{ targets: string[] }>(db, sql`
    select gerbang_record_webhook_event(${e.id}::uuid, ${e.type}, ${e.opdCode}, ${JSON.stringify(e.data)}::jsonb, ${e.at.toISOString()}::timestamptz) as targets`);
  return row?.targets ?? [];
}

export type DeliveryOutcome = 'DELIVERED' | 'FAILED' | 'DISABLED' | 'REFUSED_ADDRESS' | 'SKIPPED';

export interface DeliveryInput {
  event: { id: string; type: string; data: unknown; createdAt: string } | null;
  webhook: { id: string; url: string; live: boolean } | null;
}

export async function loadDelivery(db: Executor, eventId: string, webhookId: string): Promise<DeliveryInput> {
  const [row] = await rows<DeliveryInput>(db, sql`
    select
      (select json_build_object('id', e.id, 'type', e.type, 'data', e.data, 'createdAt', ${utc(sql`e.created_at`)})
        from webhook_events e where e.id = ${eventId}) as event,
      (select json_build_object('id', w.id, 'url', w.url, 'live', w.deleted_at is null and w.disabled_at is null)
        from webhooks w where w.id = ${webhookId}) as webhook`);
  return row ?? { event: null, webhook: null };
}

export async function insertAttempt(db: Executor, a: {
  webhookId: string; eventId: string; attempt: number; at: Date; outcome: DeliveryOutcome; statusCode: number | null; error: string | null; durationMs: number;
}) {
  await db.execute(sql`insert into webhook_deliveries (webhook_id, event_id, attempt, attempted_at, outcome, status_code, error, duration_ms)
    values (${a.webhookId}, ${a.eventId}, ${a.attempt}, ${a.at.toISOString()}, ${a.outcome}, ${a.statusCode}, ${a.error}, ${a.durationMs})`);
}

export function listDeliveries(db: Executor, webhookId: string, after: readonly [string, string] | undefined, limit: number) {
  return rows<{ id: string; eventId: string; type: WebhookEventType; attempt: number; at: string; outcome: DeliveryOutcome; statusCode: number | null; error: string | null; durationMs: number; cursorAt: string }>(db, sql`
    select d.id, d.event_id as "eventId", e.type, d.attempt, ${utc(sql`d.attempted_at`)} as at, d.outcome,
      d.status_code as "statusCode", d.error, d.duration_ms as "durationMs", ${utc(sql`d.attempted_at`, 'US')} as "cursorAt"
    from webhook_deliveries d join webhook_events e on e.id = d.event_id
    where d.webhook_id = ${webhookId} ${after ? sql`and (d.attempted_at, d.id) < (${after[0]}::timestamptz, ${after[1]}::uuid)` : sql``}
    order by d.attempted_at desc, d.id desc limit ${limit + 1}`);
}
