import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.ts';
import { appendEvents, runCli, writeTemp } from './support.ts';

type Cli = { ok: boolean; checks: Array<{ name: string; ok: boolean | null; detail: string }> };

describe('audit:verify --consistency: the log only grew between two checkpoints (offline)', async () => {
  const t = await buildTestApp();
  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: await t.auth('inspector') });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Record<string, unknown>;
  };
  await appendEvents(t, 5);
  const old = (await get('/v1/audit/checkpoint')) as { treeSize: number; note: string };
  await appendEvents(t, 9);
  const neu = (await get('/v1/audit/checkpoint')) as { treeSize: number; note: string };
  const jwks = writeTemp(JSON.stringify((await t.app.inject({ method: 'GET', url: '/v1/audit/jwks.json' })).json()), 'json');
  const proof = await get(`/v1/audit/proof/consistency?from=${old.treeSize}&to=${neu.treeSize}`);
  const [oldFile, newFile] = [writeTemp(old.note, 'txt'), writeTemp(neu.note, 'txt')];
  const run = async (args: string[]) => {
    const r = await runCli(['--consistency', ...args, '--json']);
    return { code: r.code, out: JSON.parse(r.stdout || 'null') as Cli | null, stderr: r.stderr };
  };

  it('passes with both signatures and the proof', async () => {
    const r = await run([oldFile, newFile, '--proof', writeTemp(JSON.stringify(proof), 'json'), '--jwks', jwks]);
    expect(r.code).toBe(0);
    expect(r.out?.checks.map((c) => [c.name, c.ok])).toEqual([['old checkpoint signature', true], ['new checkpoint signature', true], ['consistency', true]]);
    const human = await runCli(['--consistency', oldFile, newFile, '--proof', writeTemp(JSON.stringify(proof), 'json'), '--jwks', jwks]);
    expect(human.stdout).toMatch(/^ok {2}consistency: the tree of size \d+ extends the tree of size \d+/m);
  }, 120_000);

  it('fails on a rewritten history, a forged note, a wrong proof, and refuses unusable input', async () => {
    const bad = { ...proof, hashes: [...(proof.hashes as string[]).slice(1), (proof.hashes as string[])[0]] };
    expect((await run([oldFile, newFile, '--proof', writeTemp(JSON.stringify(bad), 'json'), '--jwks', jwks])).code).toBe(1);
    const forged = writeTemp(neu.note.replace(/\n[A-Za-z0-9+/]{43}=\n/, `\n${Buffer.alloc(32, 7).toString('base64')}\n`), 'txt');
    const r = await run([oldFile, forged, '--proof', writeTemp(JSON.stringify(proof), 'json'), '--jwks', jwks]);
    expect(r.code).toBe(1);
    expect(r.out?.checks.filter((c) => c.ok === false).map((c) => c.name)).toEqual(['new checkpoint signature', 'consistency']);
    expect((await run([oldFile, newFile, '--proof', writeTemp(JSON.stringify({ ...proof, to: 3 }), 'json')])).code).toBe(1);
    expect((await run([oldFile, writeTemp('not a note', 'txt'), '--proof', writeTemp(JSON.stringify(proof), 'json')])).code).toBe(2);
    expect((await run([oldFile, newFile])).code).toBe(2);
  }, 180_000); // six CLI processes: slow to start on a machine shared by eight test suites
});
