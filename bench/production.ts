// What a production deployment has around it, for the bench: an identity provider's JWKS served
// from a URL, an audit signing key file, a pseudonym key, and the BPJS upstream (the simulator).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { mintToken } from '../src/auth-tokens.ts';
import { buildSimulator } from '../src/bpjs/simulator.ts';
import { newEd25519Jwk, publicPart } from '../src/keys.ts';

const ISSUER = 'gerbang-dev';
const AUDIENCE = 'gerbang';
const SIM_KEY = 'bench-sim-key';

async function es256(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
}

export async function startProductionSurroundings(dir: string) {
  const idp = await es256('bench-idp');
  const jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', 'max-age=300');
    res.end(JSON.stringify({ keys: [publicPart(idp)] }));
  });
  jwks.listen(0, '127.0.0.1');
  await once(jwks, 'listening');
  const auditKeyFile = path.join(dir, 'audit-signing.jwk.json');
  await writeFile(auditKeyFile, JSON.stringify(await es256('bench-audit')), { mode: 0o600 });
  const logKeyFile = path.join(dir, 'log-signing.jwk.json');
  await writeFile(logKeyFile, JSON.stringify(await newEd25519Jwk('bench-log')), { mode: 0o600 });
  const webhookKeyFile = path.join(dir, 'webhook-signing.jwk.json');
  await writeFile(webhookKeyFile, JSON.stringify(await newEd25519Jwk('bench-webhook')), { mode: 0o600 });
  // BPJS knows no one: the bench's data is fresh, so a call would be a finding (counted below).
  const sim = buildSimulator({ data: { participants: [], projects: [] }, apiKey: SIM_KEY });
  await sim.listen({ port: 0, host: '127.0.0.1' });
  const simUrl = `http://127.0.0.1:${(sim.server.address() as AddressInfo).port}`;
  const token = async (roles: string[], opd?: string) =>
    `Bearer ${await mintToken(idp, { sub: `bench-${roles.join('-')}`, roles, ...(opd ? { opd } : {}) }, {
      issuer: ISSUER, audience: AUDIENCE, rolesClaim: 'roles', opdClaim: 'opd', ttlSeconds: 7200,
    })}`;
  return {
    env: {
      NODE_ENV: 'production',
      AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
      AUDIT_SIGNING_KEY_FILE: auditKeyFile,
      LOG_SIGNING_KEY_FILE: logKeyFile,
      WEBHOOK_SIGNING_KEY_FILE: webhookKeyFile,
      PSEUDONYM_KEY: randomBytes(32).toString('base64'),
      SESSION_SECRET: randomBytes(32).toString('base64'),
      BPJS_PROVIDER: 'http',
      BPJS_API_URL: simUrl,
      BPJS_API_KEY: SIM_KEY,
    },
    tokens: async () => ({ finance: await token(['finance']), opd: await token(['opd'], 'DPUPR') }),
    /** A bearer header for any roles, signed by the identity provider's key (e.g. an inspector for the tlog bench). */
    token,
    /** Calls the upstream received (participants + projects) since the last reset. */
    upstreamCalls: () => sim.simulator.stats.calls.participants + sim.simulator.stats.calls.projects,
    resetUpstreamCalls: () => sim.simulator.resetStats(),
    async close() {
      jwks.close();
      await sim.close();
    },
  };
}
