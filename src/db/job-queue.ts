// pg-boss (the job queue that delivers webhooks) keeps its tables in the schema `pgboss`. They are
// installed here, with the migrations, by the schema owner: the application role may not create
// schemas or tables, and its queues are created once here rather than by every process at start.
import type { PGlite } from '@electric-sql/pglite';
import { PgBoss, fromPglite, type Db as IDatabase, type Queue } from 'pg-boss';

export const JOB_SCHEMA = 'pgboss';

/** The queues the service uses, with the options every job inherits unless it sets its own. */
export const JOB_QUEUES: Queue[] = [
  // One job per (event, endpoint). Retries with exponential backoff capped at an hour; 80 retries
  // span about 3 days (2.6). A worker that dies mid-delivery loses its claim after 2 minutes.
  {
    name: 'webhook-deliver', retryLimit: 80, retryDelay: 10, retryBackoff: true, retryDelayMax: 3600,
    expireInSeconds: 120, retentionSeconds: 14 * 86_400, deleteAfterSeconds: 7 * 86_400, notify: true,
  },
  // The daily forecast run that notifies projects newly at risk (forecast.at_risk).
  { name: 'forecast-daily', retryLimit: 3, retryDelay: 60, expireInSeconds: 600, policy: 'singleton' },
];

async function install(boss: PgBoss): Promise<void> {
  boss.on('error', () => {}); // surfaced through the failing call instead
  await boss.start();
  try {
    const existing = new Set((await boss.getQueues()).map((q) => q.name));
    for (const { name, ...options } of JOB_QUEUES) {
      if (!existing.has(name)) await boss.createQueue(name, options);
      else {
        const { policy: _p, retryDelayMax: _m, partition: _t, deadLetter: _d, heartbeatSeconds: _h, ...updatable } = options;
        await boss.updateQueue(name, updatable);
      }
    }
  } finally {
    await boss.stop({ graceful: false, close: false });
  }
}

const QUIET = { supervise: false, schedule: false, migrate: true } as const;

/** On the migrator's own connection (the schema owner, on the writable host). */
export async function installJobQueuePostgres(db: IDatabase): Promise<void> {
  await install(new PgBoss({ db, schema: JOB_SCHEMA, ...QUIET }));
  // The application role works the queues; it owns nothing there either.
  await db.executeSql(`DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gerbang_app') THEN
      GRANT USAGE ON SCHEMA ${JOB_SCHEMA} TO gerbang_app;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${JOB_SCHEMA} TO gerbang_app;
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${JOB_SCHEMA} TO gerbang_app;
      GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${JOB_SCHEMA} TO gerbang_app;
    END IF;
  END $$`);
}

export async function installJobQueuePglite(client: PGlite): Promise<void> {
  await install(new PgBoss({ db: fromPglite(client), backend: 'pglite', schema: JOB_SCHEMA, ...QUIET }));
}
