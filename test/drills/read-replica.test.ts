// Drill (contract 2.9): DATABASE_READ_URL names a streaming standby. Reads that may lag (audit
// exports and verification) go there only when it has replayed everything the primary had when the
// request came; a lagging standby (replay paused) or a stopped one sends them to the primary, and a
// decision read right after it was made never touches the standby at all. Never a wrong answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHaPostgres, type HaPostgres } from '../helpers/ha-postgres.ts';
import { httpClient, type Client } from './load.ts';
import { DATABASE, errorLogs, report, seedProjects, SKIP_DRILLS } from './harness.ts';
import { startService, type ServiceProcess } from './service.ts';

async function laggingReads(service: ServiceProcess): Promise<{ replica: number; primary: number }> {
  const text = await (await fetch(service.metricsUrl)).text();
  const count = (source: string) => Number(new RegExp(`^gerbang_db_lagging_reads_total\\{source="${source}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { replica: count('replica'), primary: count('primary') };
}

describe.skipIf(SKIP_DRILLS)('drill: a read replica that lags or is down', () => {
  let ha: HaPostgres;
  let service: ServiceProcess;
  let api: Client;
  let projectId: string;
  let finance: string;
  let inspector: string;

  beforeAll(async () => {
    // Asynchronous on purpose: a standby that may lag is what DATABASE_READ_URL is for.
    ha = await startHaPostgres({ databases: [DATABASE], synchronous: false });
    service = await startService({
      databaseUrl: ha.url(DATABASE),
      env: { DATABASE_READ_URL: `postgresql://postgres@127.0.0.1:${ha.standby.port}/${DATABASE}?target_session_attrs=standby` },
    });
    api = httpClient(service.baseUrl);
    projectId = (await seedProjects(api, await service.token('admin', 'drill-admin'), 1, 5))[0]!.id;
    finance = `Bearer ${await service.token('finance', 'bpkad-read')}`;
    inspector = `Bearer ${await service.token('inspector', 'drill-inspector')}`;
  }, 400_000);

  afterAll(async () => {
    api?.close();
    await service?.destroy();
    await ha?.destroy();
  });

  const primaryHead = async () => Number((await ha.primary.query<{ seq: string }>('select seq::text from audit_head where id = 1', [], DATABASE))[0]?.seq);
  const decide = async (stage: string) => {
    const res = await api.send('POST', '/v1/disbursements', { authorization: finance, 'idempotency-key': `read-${stage}` }, {
      projectId, stage, amount: 100_000_000, requestRef: `SPM/READ/${stage}`,
    });
    expect(res.status).toBe(201);
    return (res.body as { id: string }).id;
  };

  it('with the standby lagging (replay paused): a decision read at once, the audit head and the export all come from the primary', async () => {
    await ha.caughtUp();
    await ha.standby.query('select pg_wal_replay_pause()');
    const before = await laggingReads(service);
    const id = await decide('TERMIN_1');
    const got = await api.send('GET', `/v1/disbursements/${id}`, { authorization: finance });
    expect(got.status).toBe(200);
    expect((got.body as { id: string }).id).toBe(id);

    const head = await primaryHead();
    const verify = await api.send('GET', '/v1/audit/verify', { authorization: inspector });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, headSeq: head, checked: head });
    const page = await api.send('GET', `/v1/audit/events?afterSeq=${head - 1}`, { authorization: inspector });
    expect(page.status).toBe(200);
    expect((page.body as { items: Array<{ entityId: string; action: string }> }).items).toEqual([
      expect.objectContaining({ action: 'disbursement.decided', entityId: id }),
    ]);
    // The standby really is behind: it has not even the decision.
    const onStandby = await ha.standby.query('select 1 from disbursements where id = $1', [id], DATABASE);
    expect(onStandby).toEqual([]);
    const after = await laggingReads(service);
    report('read-replica-lagging', { before, after, head });
    expect(after.replica).toBe(before.replica);
    expect(after.primary - before.primary).toBe(2);
    await ha.standby.query('select pg_wal_replay_resume()');
  }, 60_000);

  it('with the standby caught up: the same reads are served by it, and agree with the primary', async () => {
    await ha.caughtUp();
    const before = await laggingReads(service);
    const head = await primaryHead();
    const verify = await api.send('GET', '/v1/audit/verify', { authorization: inspector });
    expect(verify.body).toMatchObject({ ok: true, headSeq: head, checked: head });
    const after = await laggingReads(service);
    expect(after.replica - before.replica).toBe(1);
    const ready = await api.send('GET', '/readyz');
    expect(ready.body).toMatchObject({ database: 'ok', host: `127.0.0.1:${ha.primary.port}`, read: { database: 'ok', host: `127.0.0.1:${ha.standby.port}` } });
  }, 60_000);

  it('with the standby down: reads fall back to the primary, right and complete, and /readyz says so', async () => {
    await ha.standby.stop('immediate');
    const id = await decide('TERMIN_2');
    const head = await primaryHead();
    const verify = await api.send('GET', '/v1/audit/verify', { authorization: inspector });
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, headSeq: head });
    const ndjson = await api.send('GET', `/v1/audit/events?afterSeq=${head - 2}`, { authorization: inspector, accept: 'application/x-ndjson' });
    expect(ndjson.status).toBe(200);
    expect(typeof ndjson.body === "string" ? ndjson.body : JSON.stringify(ndjson.body)).toContain(id);
    const ready = await api.send('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ database: 'ok', read: { database: 'down' } });
    expect(errorLogs(service)).toEqual([]);
  }, 60_000);
});
