// The daily forecast.at_risk run on pg-boss (queue `forecast-daily`, installed with the migrations):
// scheduled by cron in LOCAL_TIMEZONE where this process delivers webhooks; pg-boss runs each
// occurrence once across processes (singleton queue), and the run itself is idempotent per day.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { ForecastService } from './service.ts';

export const FORECAST_QUEUE = 'forecast-daily';

export async function startForecastJob(boss: PgBoss, service: ForecastService, o: { cron: string; timeZone: string; logger: Logger }): Promise<void> {
  await boss.schedule(FORECAST_QUEUE, o.cron, null, { tz: o.timeZone });
  await boss.work(FORECAST_QUEUE, { batchSize: 1, pollingIntervalSeconds: 30 }, async () => {
    const notified = await service.notifyAtRisk();
    o.logger.info({ notified: notified.length }, 'forecast: projects newly at risk notified');
  });
}
