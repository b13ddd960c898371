import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { clock } from '../disbursements/fixtures.ts';
import { blockedProject, decide, registerHook } from './support.ts';

describe('two delivering instances on one database', async () => {
  const env = { WEBHOOK_ALLOW_PRIVATE: 'true' };
  const a = await buildTestApp({ clock, env, webhooks: { deliver: true, concurrency: 4 } });
  const b = await buildTestApp({ clock, env, testKeys: a.testKeys, webhooks: { deliver: true, concurrency: 4 } });

  it('delivers each event exactly once when both work the queue', async () => {
    const receiver = await startReceiver();
    receiver.fallback = { status: 200, delayMs: 20 };
    await registerHook(a, receiver.url);
    const { project } = await blockedProject(a);
    const n = 40;
    // Half the changes through each instance, a few at a time while both deliver.
    for (let i = 0; i < n; i += 4) await Promise.all([0, 1, 2, 3].map((j) => decide((i + j) % 2 === 0 ? a : b, project.id)));
    await receiver.waitFor(n, 30_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const ids = receiver.received.map((r) => String(r.headers['webhook-id']));
    expect(ids).toHaveLength(n);
    expect(new Set(ids).size).toBe(n);
    const bodies = receiver.received.map((r) => JSON.parse(r.body).data.id as string);
    expect(new Set(bodies).size).toBe(n);
  });
});
