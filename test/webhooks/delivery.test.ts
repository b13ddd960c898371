import { describe, expect, it } from 'vitest';
import type { Resolver } from '../../src/webhooks/address.ts';
import { buildTestApp } from '../helpers/app.ts';
import { startReceiver } from '../helpers/webhook-receiver.ts';
import { clock, query } from '../disbursements/fixtures.ts';
import { blockedProject, decide, deliveries, FAST_RETRY, registerHook, signatureValid, until } from './support.ts';

// One delivering app per file: every app on this file's database would work the same queue.
describe('webhook delivery to a real receiver', async () => {
  const names: Record<string, string> = {};
  const resolve: Resolver = async (host) => {
    const address = names[host];
    if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };
  const t = await buildTestApp({ clock, env: { WEBHOOK_ALLOW_PRIVATE: 'true' }, webhooks: { deliver: true, retry: FAST_RETRY, timeoutMs: 1_000, resolve } });

  it('delivers a signed decision with masked NIKs and no names, once, recorded in the history', async () => {
    const receiver = await startReceiver();
    const hook = await registerHook(t, receiver.url);
    const { worker, project } = await blockedProject(t);
    const decision = await decide(t, project.id);
    await receiver.waitFor(1);
    const [got] = receiver.received;
    expect(got!.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(await signatureValid(t, got!)).toBe(true);
    // A body changed in transit no longer verifies.
    expect(await signatureValid(t, { ...got!, body: got!.body.replace('BLOCKED', 'APPROVED') })).toBe(false);
    const body = JSON.parse(got!.body);
    expect(body.type).toBe('disbursement.decided');
    // The body is the decision as GET /v1/disbursements/{id} shows it, its audit seq included.
    expect(body.data).toMatchObject({ id: decision.id, decision: 'BLOCKED', projectId: project.id, auditSeq: decision.auditSeq });
    expect(decision.auditSeq).toEqual(expect.any(Number));
    expect(body.data.reasons[0].workers).toEqual([{ nik: `${worker.nik.slice(0, 6)}******${worker.nik.slice(-4)}` }]);
    expect(got!.body).not.toContain(worker.nik);
    expect(got!.body).not.toContain(worker.name);
    const history = await until('the delivery record', () => deliveries(t, hook), (d) => d.length === 1);
    expect(history).toEqual([expect.objectContaining({ eventId: got!.headers['webhook-id'], attempt: 1, outcome: 'DELIVERED', statusCode: 200 })]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.received).toHaveLength(1);
    await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook}`, headers: await t.auth('admin') });
  });

  it('retries after a 500 and delivers once, with the same webhook-id', async () => {
    const receiver = await startReceiver();
    receiver.answers.push({ status: 500 });
    const hook = await registerHook(t, receiver.url);
    const { project } = await blockedProject(t);
    await decide(t, project.id);
    await receiver.waitFor(2);
    const [first, second] = receiver.received;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(await signatureValid(t, second!)).toBe(true);
    const history = await until('both attempts', () => deliveries(t, hook), (d) => d.length === 2);
    expect(history.map((d) => [d.attempt, d.outcome, d.statusCode])).toEqual([[1, 'FAILED', 500], [2, 'DELIVERED', 200]]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(receiver.received).toHaveLength(2);
    await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook}`, headers: await t.auth('admin') });
  });

  it('keeps trying while the receiver is down and delivers when it is back', async () => {
    const receiver = await startReceiver();
    const hook = await registerHook(t, receiver.url);
    await receiver.stop();
    const { project } = await blockedProject(t);
    await decide(t, project.id);
    await until('a failed attempt', () => deliveries(t, hook), (d) => d.some((x) => x.outcome === 'FAILED'));
    expect((await deliveries(t, hook))[0]!.error).toMatch(/ECONNREFUSED/);
    await receiver.start();
    await receiver.waitFor(1);
    await until('the delivery', () => deliveries(t, hook), (d) => d.at(-1)?.outcome === 'DELIVERED');
    expect(receiver.received).toHaveLength(1);
    await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook}`, headers: await t.auth('admin') });
  });

  it('waits for a slow receiver, and retries one slower than the time limit with the same id', async () => {
    const receiver = await startReceiver();
    receiver.answers.push({ status: 200, delayMs: 300 }, { status: 200, delayMs: 2_500 });
    const hook = await registerHook(t, receiver.url);
    const { project } = await blockedProject(t);
    await decide(t, project.id);
    const [slow] = await until('the slow delivery', () => deliveries(t, hook), (d) => d.length === 1);
    expect(slow).toMatchObject({ outcome: 'DELIVERED', attempt: 1 });
    await decide(t, project.id);
    const second = () => deliveries(t, hook).then((d) => d.filter((x) => x.eventId !== slow!.eventId));
    const [timedOut, retried] = await until('the timed-out and the retried attempt', second, (d) => d.length === 2 && d[1]!.outcome === 'DELIVERED');
    expect(timedOut).toMatchObject({ outcome: 'FAILED', statusCode: null, attempt: 1 });
    expect(timedOut!.error).toMatch(/no answer within 1000 ms/);
    expect(retried!.eventId).toBe(timedOut!.eventId);
    await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook}`, headers: await t.auth('admin') });
  });

  it('disables an endpoint that answers 410 Gone, and sends it nothing more', async () => {
    const receiver = await startReceiver();
    receiver.fallback = { status: 410 };
    const hook = await registerHook(t, receiver.url);
    const { project } = await blockedProject(t);
    await decide(t, project.id);
    await until('the 410', () => deliveries(t, hook), (d) => d.length === 1);
    expect((await deliveries(t, hook))[0]).toMatchObject({ outcome: 'DISABLED', statusCode: 410 });
    const listed = (await t.app.inject({ url: '/v1/webhooks', headers: await t.auth('admin') })).json().items.find((w: { id: string }) => w.id === hook);
    expect(listed.disabledAt).not.toBeNull();
    await decide(t, project.id);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.received).toHaveLength(1);
  });

  it('resolves the name again at each delivery and refuses it when it points somewhere forbidden', async () => {
    const receiver = await startReceiver();
    names['receiver.example.test'] = '127.0.0.1';
    const hook = await registerHook(t, `http://receiver.example.test:${receiver.port}/hook`);
    names['receiver.example.test'] = '169.254.169.254';
    const { project } = await blockedProject(t);
    await decide(t, project.id);
    await until('a refused attempt', () => deliveries(t, hook), (d) => d.length >= 1);
    expect((await deliveries(t, hook))[0]).toMatchObject({ outcome: 'REFUSED_ADDRESS', error: 'METADATA (169.254.169.254)' });
    expect(receiver.received).toHaveLength(0);
    names['receiver.example.test'] = '127.0.0.1';
    await receiver.waitFor(1);
    expect(receiver.received[0]!.headers.host).toBe(`receiver.example.test:${receiver.port}`);
    await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook}`, headers: await t.auth('admin') });
  });

  it('writes nothing to the outbox when nobody listens, and rolls back with a failed change', async () => {
    const before = await query<{ n: string }>(t.database, 'select count(*)::text as n from webhook_events');
    const { project } = await blockedProject(t);
    await decide(t, project.id);
    const after = await query<{ n: string }>(t.database, 'select count(*)::text as n from webhook_events');
    expect(after).toEqual(before);
  });
});
