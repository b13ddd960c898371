import { CompactSign, compactVerify, createLocalJWKSet, decodeProtectedHeader, importJWK, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { hashEvent } from '../../src/audit/chain.ts';
import { verifyJson } from '../../src/audit/signing.ts';
import { publicPart, signingKeyFromJwk } from '../../src/keys.ts';
import { buildTestApp } from '../helpers/app.ts';
import { es256Jwk } from '../helpers/keys.ts';
import { appendEvents, exportNdjson, runCli, superuser, tamper, verifyEndpoint, writeTemp } from './support.ts';

type Checkpoint = { seq: number; hash: string; at: string; jws: string };

describe('signed checkpoints', async () => {
  const t = await buildTestApp();
  const db = await superuser();
  await appendEvents(t, 10);
  const checkpoint = async (app = t): Promise<Checkpoint> => {
    const res = await app.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: await app.auth('inspector') });
    expect(res.statusCode).toBe(200);
    return res.json() as Checkpoint;
  };
  const jwks = async (app = t): Promise<JSONWebKeySet> => {
    const res = await app.app.inject({ method: 'GET', url: '/v1/audit/jwks.json' }); // public: no token
    expect(res.statusCode).toBe(200);
    return res.json() as JSONWebKeySet;
  };

  let old: Checkpoint;

  it('signs the head as a compact ES256 JWS with its kid, verifiable with the public JWKS', async () => {
    old = await checkpoint();
    expect(old.seq).toBe(10);
    const head = await verifyEndpoint(t);
    expect(old.hash).toBe(head.headHash);
    expect(decodeProtectedHeader(old.jws)).toMatchObject({ alg: 'ES256', kid: 'test-audit-1', typ: 'gerbang-checkpoint+jws' });
    const keys = await jwks();
    expect(keys.keys.map((k) => k.kty)).toEqual(['EC', 'OKP']); // the ES256 key, then the checkpoint notes' Ed25519 key
    expect(keys.keys[0]).not.toHaveProperty('d');
    const { payload } = await compactVerify(old.jws, createLocalJWKSet(keys), { algorithms: ['ES256'] });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ seq: old.seq, hash: old.hash, at: old.at });
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit/checkpoint', headers: await t.auth('finance') })).statusCode).toBe(403);
  });

  it('proves an old checkpoint is still contained once the log has grown (endpoint and CLI)', async () => {
    await appendEvents(t, 5);
    const v = await verifyEndpoint(t, `?fromSeq=1&toSeq=${old.seq}`);
    expect(v).toMatchObject({ ok: true, toSeq: old.seq, toHash: old.hash });
    expect(v.headSeq).toBeGreaterThan(old.seq);

    const file = writeTemp(await exportNdjson(t));
    const cli = await runCli([file, '--checkpoint', writeTemp(JSON.stringify(old), 'json'), '--jwks', writeTemp(JSON.stringify(await jwks()), 'json'), '--json']);
    expect(cli.code).toBe(0);
    expect(cli.json?.checkpoint).toMatchObject({ contained: true, signature: 'valid' });
    const human = await runCli([file, '--checkpoint', writeTemp(JSON.stringify(old), 'json'), '--jwks', writeTemp(JSON.stringify(await jwks()), 'json')]);
    expect(human.stdout).toMatch(/checkpoint seq 10: contained unchanged; signature valid \(kid test-audit-1\)/);
  });

  it('rejects a checkpoint whose JSON or signature was altered', async () => {
    const file = writeTemp(await exportNdjson(t));
    const keysFile = writeTemp(JSON.stringify(await jwks()), 'json');
    const edited = await runCli([file, '--checkpoint', writeTemp(JSON.stringify({ ...old, hash: 'a'.repeat(64) }), 'json'), '--jwks', keysFile, '--json']);
    expect(edited.code).toBe(1);
    expect(edited.json?.checkpoint).toMatchObject({ contained: false, signature: 'invalid' });

    // Signed by someone else under the same kid.
    const impostor = await importJWK(await es256Jwk('test-audit-1'), 'ES256');
    const forgedJws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ seq: old.seq, hash: old.hash, at: old.at })))
      .setProtectedHeader({ alg: 'ES256', kid: 'test-audit-1', typ: 'gerbang-checkpoint+jws' }).sign(impostor);
    const forged = await runCli([file, '--checkpoint', writeTemp(JSON.stringify({ ...old, jws: forgedJws }), 'json'), '--jwks', keysFile, '--json']);
    expect(forged.code).toBe(1);
    expect(forged.json?.checkpoint).toMatchObject({ contained: true, signature: 'invalid' });
  });

  it('catches a whole-chain rewrite that only a kept checkpoint can reveal', async () => {
    // The attacker edits seq 2 and recomputes every later hash and the head: the chain is self-consistent.
    const { rows } = await db.query(`select seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, actor, action, entity_type, entity_id, data, request_id, prev_hash from audit_events order by seq`);
    let prev = '';
    for (const r of rows) {
      const seq = Number(r.seq);
      const event = { seq, at: r.at, actor: r.actor, action: r.action, entityType: r.entity_type, entityId: r.entity_id, data: seq === 2 ? { ...r.data, n: 12345 } : r.data, requestId: r.request_id, prevHash: seq === 1 ? r.prev_hash : prev };
      prev = hashEvent(event);
      await tamper(db, 'update audit_events set data = $2, prev_hash = $3, hash = $4 where seq = $1', [seq, event.data, event.prevHash, prev]);
    }
    await tamper(db, 'update audit_head set hash = $1', [prev]);
    expect((await verifyEndpoint(t)).ok).toBe(true); // the chain alone cannot tell
    const v = await verifyEndpoint(t, `?fromSeq=1&toSeq=${old.seq}`);
    expect(v.toHash).not.toBe(old.hash);

    const cli = await runCli([writeTemp(await exportNdjson(t)), '--checkpoint', writeTemp(JSON.stringify(old), 'json'), '--jwks', writeTemp(JSON.stringify(await jwks()), 'json'), '--json']);
    expect(cli.code).toBe(1);
    expect(cli.json).toMatchObject({ ok: false, chainOk: true, checkpoint: { contained: false, signature: 'valid' } });
    expect(cli.json?.checkpoint?.detail).toMatch(/seq 10 has hash/);
    old = await checkpoint(); // later tests start from the rewritten log
  });

  it('finds a deleted newest event with a checkpoint taken before the deletion', async () => {
    const cp = await checkpoint();
    const { rows: [before] } = await db.query('select hash from audit_events where seq = $1', [cp.seq - 1]);
    await tamper(db, 'delete from audit_events where seq = $1', [cp.seq]);
    await tamper(db, 'update audit_head set seq = $1, hash = $2', [cp.seq - 1, before.hash]); // a careful attacker moves the head back
    const cli = await runCli([writeTemp(await exportNdjson(t)), '--checkpoint', writeTemp(JSON.stringify(cp), 'json'), '--jwks', writeTemp(JSON.stringify(await jwks()), 'json'), '--json']);
    expect(cli.code).toBe(1);
    expect(cli.json?.checkpoint).toMatchObject({ contained: false });
    // The export above appended a new event at the deleted seq: it no longer matches the checkpoint either.
    const again = await runCli([writeTemp(await exportNdjson(t)), '--checkpoint', writeTemp(JSON.stringify(cp), 'json'), '--json']);
    expect(again.json?.checkpoint).toMatchObject({ contained: false, signature: 'not checked' });
    expect(again.json?.checkpoint?.detail).toMatch(new RegExp(`seq ${cp.seq} has hash`));
  });

  it('keeps verifying old checkpoints after the signing key is rotated (retired keys stay published)', async () => {
    const newJwk = await es256Jwk('test-audit-2');
    const rotated = await buildTestApp({
      testKeys: {
        ...t.testKeys,
        keys: { ...t.testKeys.keys, auditSigningKey: await signingKeyFromJwk(newJwk), auditPublicKeys: [(await signingKeyFromJwk(newJwk)).publicJwk, { ...publicPart(t.testKeys.auditJwk), alg: 'ES256', use: 'sig' }] },
      },
    });
    const keys = await jwks(rotated);
    expect(keys.keys.map((k) => k.kid)).toEqual(['test-audit-2', 'test-audit-1', 'test-log-1']);
    expect(keys.keys.every((k) => !('d' in k))).toBe(true);
    const fresh = await checkpoint(rotated);
    expect(decodeProtectedHeader(fresh.jws).kid).toBe('test-audit-2');
    for (const jws of [old.jws, fresh.jws]) {
      await expect(verifyJson(jws, keys, 'gerbang-checkpoint+jws')).resolves.toBeDefined();
    }
    // Without the retired key an old checkpoint no longer verifies: that is why it stays published.
    await expect(verifyJson(old.jws, { keys: [keys.keys[0] as never] })).rejects.toThrow();
  });
});
