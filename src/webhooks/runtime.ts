// The webhook machinery of one process: a pg-boss client on the service's own database (always:
// the outbox writes jobs through it) and, where this process delivers, the delivery worker.
// PostgreSQL: any number of processes may deliver (SKIP LOCKED hands each job to one of them).
// PGlite (development): pg-boss shares the one embedded connection, one delivery at a time.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { PgBoss, fromPglite, type Job } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { JOB_SCHEMA } from '../db/job-queue.ts';
import { checkWebhookUrl, systemResolver, type Resolver } from './address.ts';
import { postOnce } from './deliver.ts';
import { createOutbox, DELIVER_QUEUE, type Outbox, type RetrySettings } from './outbox.ts';
import { disableWebhook, insertAttempt, loadDelivery, type DeliveryOutcome } from './repository.ts';
import { signatureHeader, type WebhookSigningKey } from './signing.ts';

export interface WebhookOptions {
  /** Run the delivery worker in this process (server.ts: yes; most tests: no). */
  deliver?: boolean;
  resolve?: Resolver;
  /** Per-attempt time limit. */
  timeoutMs?: number;
  /** Retry schedule for jobs this process creates (tests shorten it); default: the queue's (~3 days). */
  retry?: RetrySettings;
  /** Parallel deliveries in this process. */
  concurrency?: number;
}

export interface WebhookRuntime {
  outbox: Outbox;
  boss: PgBoss;
  key: WebhookSigningKey;
  resolve: Resolver;
  stop(): Promise<void>;
}

interface DeliverJob { eventId: string; webhookId: string }

export async function startWebhooks(
  deps: { config: Config; database: Database; logger: Logger; key: WebhookSigningKey; clock: () => Date },
  options: WebhookOptions = {},
): Promise<WebhookRuntime> {
  const { config, database, logger, key, clock } = deps;
  const pglite = database.kind === 'pglite' ? (database as Database & { client: PGlite }).client : null;
  const pool = database.kind === 'pg' ? (database as Database & { pool: pg.Pool }).pool : null;
  const deliver = options.deliver ?? false;
  // pg-boss runs its SQL on the service's own pool, so it follows the writable host after a
  // failover (src/db/connector.ts) like every other query; workers poll every half second and are
  // woken in-process right after a change commits (no LISTEN connection of its own).
  const db = pglite ? fromPglite(pglite) : { executeSql: (text: string, values?: unknown[]) => pool!.query(text, values) };
  const boss = new PgBoss({
    db, ...(pglite ? { backend: 'pglite' as const } : {}), schema: JOB_SCHEMA, migrate: false, supervise: deliver, schedule: deliver,
  });
  boss.on('error', (err) => logger.warn({ err: { message: err.message } }, 'webhook queue error'));
  await boss.start();

  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let workerId: string | null = null;
  // A change's transaction commits right after its outbox write; waking the local worker a moment
  // later saves it a poll interval. Other processes hear pg-boss's NOTIFY or poll.
  const wake = () => {
    if (workerId) setTimeout(() => workerId && boss.notifyWorker(workerId), 15).unref();
  };
  const outbox = createOutbox(boss, clock, options.retry ?? null, wake);

  async function attempt(job: Job<DeliverJob>): Promise<void> {
    const { eventId, webhookId } = job.data;
    const { event, webhook } = await loadDelivery(database.db, eventId, webhookId);
    const at = clock();
    const record = (outcome: DeliveryOutcome, r: { statusCode?: number | null; error?: string | null; durationMs?: number }) =>
      insertAttempt(database.db, {
        webhookId, eventId, attempt: job.retryCount + 1, at, outcome,
        statusCode: r.statusCode ?? null, error: r.error ?? null, durationMs: r.durationMs ?? 0,
      });
    if (!event || !webhook) return; // nothing to send (cannot happen while rows are never deleted)
    if (!webhook.live) {
      await record('SKIPPED', { error: 'endpoint deleted or disabled' });
      return;
    }
    const check = await checkWebhookUrl(webhook.url, { production: config.NODE_ENV === 'production', allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, resolve });
    if (!check.ok || !check.target) {
      await record('REFUSED_ADDRESS', { error: `${check.refusal}${check.detail ? ` (${check.detail})` : ''}` });
      throw new Error(`webhook address refused: ${check.refusal}`);
    }
    const body = JSON.stringify({ type: event.type, timestamp: event.createdAt, data: event.data });
    const timestamp = Math.floor(clock().getTime() / 1000);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Gerbang-Webhooks/1.0',
      'webhook-id': eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader(key, eventId, timestamp, body),
    };
    const result = await postOnce(webhook.url, check.target, headers, body, timeoutMs);
    const status = result.statusCode;
    if (status !== null && status >= 200 && status < 300) {
      await record('DELIVERED', result);
      return;
    }
    if (status === 410) {
      // The receiver says it is gone for good: stop sending to it (2.6).
      await record('DISABLED', result);
      await disableWebhook(database.db, webhookId, at, 'answered 410 Gone');
      return;
    }
    await record('FAILED', result);
    throw new Error(`webhook delivery failed: ${status ?? result.error}`);
  }

  if (deliver) {
    workerId = await boss.work<DeliverJob>(DELIVER_QUEUE, {
      batchSize: 1,
      localConcurrency: pglite ? 1 : (options.concurrency ?? 4),
      pollingIntervalSeconds: 0.5,
      notifyPollingIntervalSeconds: 1,
    }, async ([job]) => {
      if (job) await attempt(job);
    });
  }

  return {
    outbox, boss, key, resolve,
    async stop() {
      // Graceful: deliveries in progress finish (or their jobs are retried after expiry).
      await boss.stop({ graceful: true, timeout: timeoutMs + 2_000, close: false });
    },
  };
}
