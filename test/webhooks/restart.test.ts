import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { clock } from '../disbursements/fixtures.ts';
import { blockedProject, decide, deliveries, FAST_RETRY, registerHook, until } from './support.ts';

describe('webhooks across a restart of the service', async () => {
  const env = { WEBHOOK_ALLOW_PRIVATE: 'true' };

  it('loses nothing when the service stops between a failed attempt and its retry', async () => {
    const receiver = await startReceiver();
    receiver.fallback = { status: 503 };
    const first = await buildTestApp({ clock, env, webhooks: { deliver: true, retry: { ...FAST_RETRY, retryDelay: 3, retryDelayMax: 3 } } });
    const hook = await registerHook(first, receiver.url);
    const { project } = await blockedProject(first);
    await decide(first, project.id);
    await receiver.waitFor(1);
    await first.close(); // a retry is pending, 3 s away
    receiver.fallback = { status: 200 };
    const second = await buildTestApp({ clock, env, testKeys: first.testKeys, webhooks: { deliver: true } });
    await receiver.waitFor(2, 30_000);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    const history = await until('the delivery', () => deliveries(second, hook), (d) => d.at(-1)?.outcome === 'DELIVERED');
    expect(history.map((d) => d.outcome)).toEqual(['FAILED', 'DELIVERED']);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.received).toHaveLength(2);
  });
});
