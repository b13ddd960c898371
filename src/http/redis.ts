import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The Redis that replicas share their rate-limit counters through (REDIS_URL). It must answer at
 * start-up (a configured but unreachable Redis is a deployment mistake worth failing on); later,
 * commands fail at once while it is away (no offline queue), so requests are never held waiting.
 */
export async function openRedis(url: string, logger: FastifyBaseLogger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Keep trying to reconnect, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  let warned = 0;
  redis.on('error', (err: Error) => {
    const now = Date.now();
    if (now - warned > 10_000) {
      warned = now;
      logger.warn({ err: { message: err.message } }, 'redis unavailable: rate limits are not enforced meanwhile');
    }
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`REDIS_URL: cannot connect (${err instanceof Error ? err.message : String(err)})`);
  }
  return redis;
}
