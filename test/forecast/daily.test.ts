// The daily forecast.at_risk run (2.6), invoked through its service function as the pg-boss job
// does, against this file's PostgreSQL and a real HTTP receiver: one signed notification per
// project newly at risk, none twice on a day, none for a project still at risk from the day before.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../src/app.ts';
import { createGate } from '../../src/disbursements/gate.ts';
import { createForecastService } from '../../src/forecast/service.ts';
import { startWebhooks } from '../../src/webhooks/runtime.ts';
import { loadWebhookKey } from '../../src/webhooks/signing.ts';
import { buildTestApp } from '../helpers/app.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { insertCoveredWorker, insertProject, insertWorker, query } from '../disbursements/fixtures.ts';
import { FAST_RETRY, registerHook, signatureValid } from '../webhooks/support.ts';

let now = new Date('2025-09-15T23:00:00Z'); // Tuesday 16 Sep 2025, 06:00 WIB
const clock = () => new Date(now);

describe('daily forecast.at_risk', async () => {
  const env = { WEBHOOK_ALLOW_PRIVATE: 'true', MEMBERSHIP_MAX_AGE_HOURS: String(24 * 365) };
  // The app delivers what the run records (any process working the queue would).
  const t = await buildTestApp({ clock, env, webhooks: { deliver: true, retry: FAST_RETRY, timeoutMs: 2_000 } });
  // The job's own service, as the scheduled worker builds it: the app's context, its outbox, a gate.
  const ctx = createContext({ config: t.config, database: t.database, keys: t.testKeys.keys, clock });
  const runtime = await startWebhooks({ config: t.config, database: t.database, logger: pino({ level: 'silent' }), key: loadWebhookKey(t.config), clock });
  ctx.outbox = runtime.outbox;
  const service = createForecastService(ctx, createGate(ctx));

  it('notifies each project newly at risk once, signed, without personal data', async () => {
    const receiver = await startReceiver();
    await registerHook(t, receiver.url, ['forecast.at_risk']);
    const risky = await insertProject(t.database);
    await insertCoveredWorker(t.database, risky);
    const worker = await insertWorker(t.database, risky.id); // no membership: blocked today
    const fine = await insertProject(t.database);
    await insertCoveredWorker(t.database, fine);

    // Two runs at once (a retried job meeting a late one): one notification.
    const [a, b] = await Promise.all([service.notifyAtRisk(), service.notifyAtRisk()]);
    expect([...a, ...b]).toEqual([risky.id]);
    await receiver.waitFor(1);
    const got = receiver.received[0]!;
    expect(await signatureValid(t, got)).toBe(true);
    const body = JSON.parse(got.body);
    expect(body).toMatchObject({
      type: 'forecast.at_risk',
      data: { projectId: risky.id, projectCode: risky.code, opdCode: 'DPUPR', blockedFrom: '2025-09-16', day: '2025-09-16',
        reasons: [{ code: 'MEMBERSHIP_UNVERIFIED', retryable: true, workers: 1 }] },
    });
    expect(got.body).not.toContain(worker.nik);
    expect(got.body).not.toContain(worker.nik.slice(-4) + '"');
    expect(got.body).not.toContain(worker.name);

    // Again the same day: nothing new.
    expect(await service.notifyAtRisk()).toEqual([]);

    // The next day: still at risk is not news; a project that became at risk is.
    now = new Date('2025-09-16T23:00:00Z');
    await insertWorker(t.database, fine.id);
    expect(await service.notifyAtRisk()).toEqual([fine.id]);
    await receiver.waitFor(2);
    expect(JSON.parse(receiver.received[1]!.body).data).toMatchObject({ projectId: fine.id, blockedFrom: '2025-09-17' });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.received).toHaveLength(2);

    // What each run found is kept, append-only.
    const kept = await query<{ day: string; project_id: string }>(t.database,
      `select day::text, project_id from forecast_at_risk order by day, project_id`);
    expect(kept).toEqual(expect.arrayContaining([
      { day: '2025-09-16', project_id: risky.id }, { day: '2025-09-17', project_id: risky.id }, { day: '2025-09-17', project_id: fine.id },
    ]));
    await expect(query(t.database, `delete from forecast_at_risk where project_id = '${risky.id}'`))
      .rejects.toMatchObject({ cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }) });
    await runtime.stop();
    await receiver.stop();
  });
});
