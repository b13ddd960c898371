// Shared by the webhook delivery tests: a registered endpoint, decisions that emit events, and
// signature verification exactly as a receiver would do it.
import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import type { Received } from '../helpers/webhook-receiver.ts';
import { insertProject, insertWorker } from '../disbursements/fixtures.ts';

export const FAST_RETRY = { retryLimit: 6, retryDelay: 1, retryDelayMax: 1 };

export async function registerHook(t: TestApp, url: string, events: string[] = ['disbursement.decided']): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: await t.auth('admin'), payload: { url, events } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

/** A project whose one worker has no membership: every request is BLOCKED (MEMBERSHIP_UNVERIFIED). */
export async function blockedProject(t: TestApp) {
  const project = await insertProject(t.database);
  const worker = await insertWorker(t.database, project.id);
  return { project, worker };
}

export async function decide(t: TestApp, projectId: string) {
  const res = await t.app.inject({
    method: 'POST', url: '/v1/disbursements',
    headers: { ...(await t.auth('finance')), 'idempotency-key': randomUUID() },
    payload: { projectId, stage: 'TERMIN_1', amount: 1_000_000, requestRef: `SPM/${randomUUID().slice(0, 8)}` },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; decision: string; auditSeq: number };
}

export async function deliveries(t: TestApp, webhookId: string) {
  const res = await t.app.inject({ url: `/v1/webhooks/${webhookId}/deliveries?limit=500`, headers: await t.auth('admin') });
  expect(res.statusCode).toBe(200);
  return (res.json().items as Array<{ eventId: string; attempt: number; outcome: string; statusCode: number | null; error: string | null }>).sort((a, b) => a.attempt - b.attempt);
}

export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Standard Webhooks v1a: Ed25519 over `{id}.{timestamp}.{body}` with the key from the JWKS. */
export async function signatureValid(t: TestApp, r: Received): Promise<boolean> {
  const jwks = (await t.app.inject({ url: '/v1/webhooks/jwks.json' })).json() as { keys: Array<{ kty: string; crv: string; x: string }> };
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwks.keys[0]!.x }, format: 'jwk' });
  const id = String(r.headers['webhook-id']);
  const ts = String(r.headers['webhook-timestamp']);
  const signatures = String(r.headers['webhook-signature']).split(' ');
  return signatures.some((s) => s.startsWith('v1a,') && verify(null, Buffer.from(`${id}.${ts}.${r.body}`), key, Buffer.from(s.slice(4), 'base64')));
}
