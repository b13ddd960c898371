import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, refusalOf, type Resolver } from '../../src/webhooks/address.ts';
import { buildTestApp } from '../helpers/app.ts';
import { query } from '../disbursements/fixtures.ts';

// Names the tests point anywhere, without DNS.
const names: Record<string, string[]> = {
  'hooks.example.test': ['203.0.113.10'],
  'metadata.example.test': ['169.254.169.254'],
  'mixed.example.test': ['203.0.113.11', '10.0.0.5'],
  'localhost': ['127.0.0.1', '::1'],
};
const resolve: Resolver = async (host) => {
  const found = names[host];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

describe('webhook registration', async () => {
  const t = await buildTestApp({ webhooks: { resolve } });
  const open = await buildTestApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'true' }, webhooks: { resolve } });
  const register = async (app: typeof t, body: object, role: 'admin' | 'opd' = 'admin', opd?: string) =>
    app.app.inject({ method: 'POST', url: '/v1/webhooks', headers: await app.auth(role, opd ? { opd } : {}), payload: body });

  it.each([
    ['link-local IPv4', 'http://169.254.10.1/hook', 'LINK_LOCAL'],
    ['link-local IPv6', 'http://[fe80::1]/hook', 'LINK_LOCAL'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data', 'METADATA'],
    ['a name of the metadata address', 'https://metadata.example.test/x', 'METADATA'],
    ['loopback', 'http://127.0.0.1:9/hook', 'LOOPBACK'],
    ['IPv6 loopback', 'http://[::1]:9/hook', 'LOOPBACK'],
    ['localhost by name', 'http://localhost:9/hook', 'LOOPBACK'],
    ['private 10/8', 'http://10.1.2.3/hook', 'PRIVATE'],
    ['private 192.168/16', 'https://192.168.1.1/hook', 'PRIVATE'],
    ['IPv4-mapped private', 'http://[::ffff:10.0.0.1]/hook', 'PRIVATE'],
    ['a name with one private address among public ones', 'https://mixed.example.test/hook', 'PRIVATE'],
    ['unspecified 0.0.0.0', 'http://0.0.0.0/hook', 'RESERVED'],
    ['another scheme', 'ftp://hooks.example.test/x', 'SCHEME'],
    ['credentials in the URL', 'https://user:pw@hooks.example.test/x', 'CREDENTIALS'],
    ['an unknown name', 'https://nowhere.example.test/x', 'UNRESOLVABLE'],
  ])('refuses %s (422 %s)', async (_name, url, refusal) => {
    const res = await register(t, { url, events: ['disbursement.decided'] });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().errors[0].path).toBe('url');
    expect(res.json().errors[0].message).toMatch(new RegExp(`^${refusal}:`));
  });

  it('allows loopback and private addresses with WEBHOOK_ALLOW_PRIVATE, never link-local or metadata', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://10.1.2.3/hook', 'http://localhost:9/x']) {
      expect((await register(open, { url, events: ['disbursement.decided'] })).statusCode, url).toBe(201);
    }
    for (const url of ['http://169.254.169.254/', 'http://169.254.1.1/', 'http://[fe80::2]/']) {
      expect((await register(open, { url, events: ['disbursement.decided'] })).statusCode, url).toBe(422);
    }
  });

  it('needs https in production, except to an allowed private address', async () => {
    const prod = { production: true, allowPrivate: true, resolve };
    expect((await checkWebhookUrl('http://hooks.example.test/x', prod)).refusal).toBe('HTTPS_REQUIRED');
    expect((await checkWebhookUrl('https://hooks.example.test/x', prod)).ok).toBe(true);
    expect((await checkWebhookUrl('http://10.0.0.9/x', prod)).ok).toBe(true);
    expect((await checkWebhookUrl('http://10.0.0.9/x', { ...prod, allowPrivate: false })).refusal).toBe('PRIVATE');
    expect(refusalOf('100.100.100.200', true)).toBe('METADATA');
    expect(refusalOf('203.0.113.9', false)).toBeNull();
  });

  it('registers, lists, scopes to the OPD, and deletes with audit events', async () => {
    const created = await register(t, { url: 'https://hooks.example.test/gerbang', events: ['disbursement.decided', 'override.requested'], opdCode: 'DPUPR' });
    expect(created.statusCode, created.body).toBe(201);
    const hook = created.json();
    expect(hook).toMatchObject({ url: 'https://hooks.example.test/gerbang', events: ['disbursement.decided', 'override.requested'], opdCode: 'DPUPR', disabledAt: null });

    // OPD staff: register for their own OPD (the default), never another's.
    const own = await register(t, { url: 'https://hooks.example.test/dinkes', events: ['forecast.at_risk'] }, 'opd', 'DINKES');
    expect(own.statusCode).toBe(201);
    expect(own.json().opdCode).toBe('DINKES');
    expect((await register(t, { url: 'https://hooks.example.test/x', events: ['forecast.at_risk'], opdCode: 'DPUPR' }, 'opd', 'DINKES')).statusCode).toBe(403);
    for (const role of ['finance', 'inspector'] as const) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/webhooks', headers: await t.auth(role), payload: { url: 'https://hooks.example.test/x', events: ['forecast.at_risk'] } });
      expect(res.statusCode, role).toBe(403);
    }
    const bad = await register(t, { url: 'https://hooks.example.test/x', events: ['nope'], extra: 1 });
    expect(bad.statusCode).toBe(422);

    const dinkesList = await t.app.inject({ url: '/v1/webhooks', headers: await t.auth('opd', { opd: 'DINKES' }) });
    expect(dinkesList.json().items.map((w: { id: string }) => w.id)).toEqual([own.json().id]);
    const all = await t.app.inject({ url: '/v1/webhooks', headers: await t.auth('admin') });
    expect(all.json().items.map((w: { id: string }) => w.id)).toEqual(expect.arrayContaining([hook.id, own.json().id]));

    // Another OPD's endpoint is a 404, as for projects.
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: await t.auth('opd', { opd: 'DINKES' }) })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/v1/webhooks/${hook.id}/deliveries`, headers: await t.auth('opd', { opd: 'DINKES' }) })).statusCode).toBe(404);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: await t.auth('admin') });
    expect(deleted.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: await t.auth('admin') })).statusCode).toBe(404);
    const actions = await query<{ action: string; entity_id: string }>(t.database, 
      `select action, entity_id from audit_events where entity_id in ('${hook.id}', '${own.json().id}') order by seq`);
    expect(actions).toEqual([
      { action: 'webhook.created', entity_id: hook.id },
      { action: 'webhook.created', entity_id: own.json().id },
      { action: 'webhook.deleted', entity_id: hook.id },
    ]);
  });

  it('publishes the Ed25519 public key without a token', async () => {
    const res = await t.app.inject({ url: '/v1/webhooks/jwks.json' });
    expect(res.statusCode).toBe(200);
    const [key] = res.json().keys;
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(key.d).toBeUndefined();
  });
});
