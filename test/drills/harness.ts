// Shared set-up of the fault drills: a private PostgreSQL cluster, the service as a child process
// on it, compliant projects seeded through the API, and the integrity checks every drill ends with.
import { randomInt } from 'node:crypto';
import { GENESIS_HASH, hashEvent, type AuditEvent } from '../../src/audit/chain.ts';
import { localDate } from '../../src/context.ts';
import { postgresAvailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { uniqueNib, validNpwp } from '../helpers/factories.ts';
import { httpClient, type Attempt, type Client, type Decided, type LoadResult } from './load.ts';
import { startService, type ServiceProcess } from './service.ts';

/** The pool's connections carry this application_name (src/db/client.ts). */
export const APP_NAME = 'gerbang';
export const DATABASE = 'gerbang';

export interface Drill {
  pg: PrivatePostgres;
  /** The service now running (replaced by restartService). */
  service: ServiceProcess;
  projects: SeededProject[];
  projectIds: string[];
  /** One finance client per load client, each its own `sub`. */
  finance: Array<{ sub: string; token: string }>;
  /** Starts a new service process on the same database (after the old one exited) with fresh tokens. */
  restartService(env?: Record<string, string>): Promise<ServiceProcess>;
  destroy(): Promise<void>;
}

export interface DrillOptions {
  projects?: number;
  workersPerProject?: number;
  clients?: number;
  env?: Record<string, string>;
  /** Extra postgresql.conf settings of the private cluster. */
  pgSettings?: Record<string, string | number>;
}

export interface SeededProject {
  id: string;
  registration: string;
  startDate: string;
  endDate: string;
  workers: Array<{ nik: string; kpj: string; name: string }>;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');
/** A distinct valid NIK per n (Palembang, born 1-28 May 1990, serial 0001-9999). */
const nik = (n: number): string => `1671${pad(1 + (Math.floor(n / (9999 * 28)) % 99), 2)}${pad(1 + (Math.floor(n / 9999) % 28), 2)}0590${pad((n % 9999) + 1, 4)}`;
const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

async function must(client: Client, token: string, method: string, path: string, body: unknown, expected: number): Promise<Record<string, unknown>> {
  const res = await client.send(method, path, { authorization: `Bearer ${token}` }, body);
  if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

/** Compliant projects (registered, premium paid, every worker covered by its Jakon registration). */
export async function seedProjects(client: Client, adminToken: string, count: number, workers: number): Promise<SeededProject[]> {
  const today = localDate(new Date(), 'Asia/Jakarta');
  const start = addDays(today, -60);
  const end = addDays(today, 365);
  const seeded: SeededProject[] = [];
  for (let p = 0; p < count; p++) {
    const contractor = await must(client, adminToken, 'POST', '/v1/contractors', {
      name: `PT Drill ${p}`, nib: uniqueNib(), npwp: validNpwp(), bpjsEmployerNumber: String(randomInt(1e7, 1e8)),
    }, 201);
    const registration = String(randomInt(1e11, 1e12));
    const project = await must(client, adminToken, 'POST', '/v1/projects', {
      code: `DRILL-${process.pid}-${p}-${randomInt(1e6)}`, name: `Paket drill ${p}`, opdCode: 'DPUPR', contractorId: contractor.id,
      fundingSource: 'APBD', fiscalYear: Number(today.slice(0, 4)), contractNumber: `SPK/DRILL/${p}`,
      contractValue: 1_110_000_000, startDate: start, endDate: end,
      bpjsRegistrationNumber: registration, bpjsPremiumPaid: 1_750_000,
    }, 201);
    const id = project.id as string;
    const roster = Array.from({ length: workers }, (_, i) => {
      const n = nik(p * workers + i);
      return { nik: n, name: `Pekerja ${p}-${i}`, kpj: `2${n.slice(-10)}`, role: 'TUKANG', startDate: start };
    });
    await must(client, adminToken, 'PUT', `/v1/projects/${id}/workers`, { workers: roster }, 200);
    await must(client, adminToken, 'POST', '/v1/memberships/import', {
      records: roster.map((w) => ({
        nik: w.nik, kpj: w.kpj, name: w.name, status: 'ACTIVE', programs: ['JKK', 'JKM', 'JHT'],
        coverageStart: start, coverageEnd: end, segment: 'JAKON', projectNumber: registration,
        asOf: new Date().toISOString(),
      })),
    }, 200);
    // BPJS's record of the registration (contract 2.3), which policy version 2 judges in snapshot mode.
    await must(client, adminToken, 'POST', '/v1/registrations/import', {
      records: [{ projectNumber: registration, status: 'PESERTA', premiumPaid: 1_750_000, asOf: new Date().toISOString() }],
    }, 200);
    seeded.push({ id, registration, startDate: start, endDate: end, workers: roster.map(({ nik, kpj, name }) => ({ nik, kpj, name })) });
  }
  return seeded;
}

const financeClients = (service: ServiceProcess, count: number) =>
  Promise.all(Array.from({ length: count }, async (_, i) => ({ sub: `bpkad-${i}`, token: await service.token('finance', `bpkad-${i}`) })));

export async function setupDrill(options: DrillOptions = {}): Promise<Drill> {
  const pg = await startPrivatePostgres({ settings: options.pgSettings });
  let service: ServiceProcess | undefined;
  try {
    await pg.query(`create database ${DATABASE}`);
    service = await startService({ databaseUrl: pg.url(DATABASE), env: options.env });
    const admin = httpClient(service.baseUrl);
    const projects = await seedProjects(admin, await service.token('admin', 'drill-admin'), options.projects ?? 4, options.workersPerProject ?? 50);
    admin.close();
    const clients = options.clients ?? 10;
    const drill: Drill = {
      pg, service, projects, projectIds: projects.map((p) => p.id),
      finance: await financeClients(service, clients),
      async restartService(env) {
        if (!drill.service.exit()) throw new Error('the previous service is still running');
        await drill.service.destroy();
        drill.service = await startService({ databaseUrl: pg.url(DATABASE), env: { ...options.env, ...env } });
        drill.finance = await financeClients(drill.service, clients);
        return drill.service;
      },
      async destroy() {
        await drill.service.destroy();
        await pg.destroy();
      },
    };
    return drill;
  } catch (err) {
    await service?.destroy();
    await pg.destroy();
    throw err;
  }
}

export interface Integrity {
  decisions: number;
  approved: number;
  blocked: number;
  approvedStagesRows: number;
  /** (project, stage) pairs with more than one APPROVED, unvoided decision. */
  doubleApprovals: number;
  decisionsWithoutEvent: number;
  eventsWithoutDecision: number;
  /** Decisions the clients were told about (200/201) that the database does not hold as told. */
  seenButMissing: number;
  /** Keys the clients saw decided whose stored key names another decision. */
  keyMismatches: number;
  auditEvents: number;
  /** Our own recomputation of the chain with hashEvent. */
  chainOk: boolean;
  chainFirstBad: number | null;
  /** What GET /v1/audit/verify answered. */
  verify: { ok: boolean; checked: number; headSeq: number } | null;
}

/** Recomputes every event's hash and link from the rows, independently of the service's verifier. */
export async function recomputeChain(pg: PrivatePostgres): Promise<{ ok: boolean; count: number; firstBad: number | null }> {
  const events = await pg.query<{ seq: string; at: string; actor: AuditEvent['actor']; action: AuditEvent['action']; entity_type: string; entity_id: string; data: Record<string, unknown>; request_id: string | null; prev_hash: string; hash: string }>(
    `select seq::text, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, actor, action, entity_type, entity_id, data, request_id, prev_hash, hash
     from audit_events order by audit_events.seq`, [], DATABASE);
  let prev = GENESIS_HASH;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const seq = Number(e.seq);
    const unhashed = { seq, at: e.at, actor: e.actor, action: e.action, entityType: e.entity_type, entityId: e.entity_id, data: e.data, requestId: e.request_id, prevHash: e.prev_hash };
    if (seq !== i + 1 || e.prev_hash !== prev || hashEvent(unhashed) !== e.hash) return { ok: false, count: events.length, firstBad: seq };
    prev = e.hash;
  }
  return { ok: true, count: events.length, firstBad: null };
}

/** Everything a drill promises about the data, measured after the load. */
export async function checkIntegrity(drill: Drill, decided: readonly Decided[]): Promise<Integrity> {
  const q = <T extends Record<string, unknown>>(text: string) => drill.pg.query<T>(text, [], DATABASE);
  const [counts] = await q<{ decisions: string; approved: string; blocked: string; stages: string }>(`
    select count(*)::text as decisions, count(*) filter (where decision = 'APPROVED')::text as approved,
      count(*) filter (where decision = 'BLOCKED')::text as blocked, (select count(*) from approved_stages)::text as stages
    from disbursements`);
  const [doubles] = await q<{ n: string }>(`
    select count(*)::text as n from (select project_id, stage from disbursements d
      where decision = 'APPROVED' and not exists (select 1 from disbursement_voids v where v.disbursement_id = d.id)
      group by project_id, stage having count(*) > 1) x`);
  const [orphans] = await q<{ without: string; events: string; extra: string }>(`
    select (select count(*) from disbursements d where (select count(*) from audit_events e
              where e.action = 'disbursement.decided' and e.entity_id = d.id::text) <> 1)::text as without,
           (select count(*) from audit_events)::text as events,
           (select count(*) from audit_events e where e.action = 'disbursement.decided'
              and not exists (select 1 from disbursements d where d.id::text = e.entity_id))::text as extra`);
  const stored = new Map((await q<{ id: string; decision: string }>(`select id::text, decision from disbursements`)).map((r) => [r.id, r.decision]));
  const keys = new Map((await q<{ sub: string; key: string; id: string }>(`select sub, key, disbursement_id::text as id from idempotency_keys`)).map((r) => [`${r.sub}\0${r.key}`, r.id]));
  let seenButMissing = 0;
  let keyMismatches = 0;
  for (const d of decided) {
    if (stored.get(d.decisionId) !== d.decision) seenButMissing++;
    if (keys.get(`${d.sub}\0${d.key}`) !== d.decisionId) keyMismatches++;
  }
  const chain = await recomputeChain(drill.pg);
  let verify: Integrity['verify'] = null;
  if (!drill.service.exit()) {
    const api = httpClient(drill.service.baseUrl);
    const res = await api.send('GET', '/v1/audit/verify', { authorization: `Bearer ${await drill.service.token('inspector', 'drill-inspector')}` });
    api.close();
    if (res.status === 200) {
      const v = res.body as { ok: boolean; checked: number; headSeq: number };
      verify = { ok: v.ok, checked: v.checked, headSeq: v.headSeq };
    }
  }
  return {
    decisions: Number(counts?.decisions), approved: Number(counts?.approved), blocked: Number(counts?.blocked),
    approvedStagesRows: Number(counts?.stages), doubleApprovals: Number(doubles?.n),
    decisionsWithoutEvent: Number(orphans?.without), eventsWithoutDecision: Number(orphans?.extra),
    seenButMissing, keyMismatches, auditEvents: Number(orphans?.events),
    chainOk: chain.ok, chainFirstBad: chain.firstBad, verify,
  };
}

/** Attempts that were neither a decision nor the expected kind of refusal. */
export function unexpected(attempts: readonly Attempt[], allowed: (a: Attempt) => boolean): Attempt[] {
  return attempts.filter((a) => !(a.status === 200 || a.status === 201 || allowed(a)));
}

/** A 503 as the contract wants it: problem+json with Retry-After. */
export const isProper503 = (a: Attempt): boolean =>
  a.status === 503 && (a.contentType ?? '').startsWith('application/problem+json') && a.retryAfter !== undefined && /^\d+$/.test(a.retryAfter);

/** Error lines the service logged (pino level >= 50), e.g. 'unhandled error' behind a 500. */
export function errorLogs(service: ServiceProcess): string[] {
  return service.logs.filter((line) => {
    try {
      return (JSON.parse(line) as { level?: number }).level! >= 50;
    } catch {
      // The plain-text start-up banner (src/server.ts, on stderr) is no error; anything else that is
      // not pino is: a crash trace or a stray print.
      return !/^(Gerbang is listening on |  [A-Za-z][A-Za-z ()]*:\s{2,})/.test(line);
    }
  });
}

export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LoadSummary {
  attempts: number;
  statuses: Record<string, number>;
  decided: number;
  replayed: number;
  unresolved: number;
  okP50Ms: number;
  okP99Ms: number;
  /** The longest a refused or failed attempt took: how long a client waited for its 503. */
  failedMaxMs: number;
}

export function summarize(result: LoadResult): LoadSummary {
  const ok = result.attempts.filter((a) => a.status === 200 || a.status === 201).map((a) => a.end - a.start);
  const failed = result.attempts.filter((a) => a.status !== 200 && a.status !== 201).map((a) => a.end - a.start);
  return {
    attempts: result.attempts.length,
    statuses: tallyOf(result.attempts),
    decided: result.decided.length,
    replayed: result.decided.filter((d) => d.status === 200).length,
    unresolved: result.unresolved.length,
    okP50Ms: Math.round(percentile(ok, 50)),
    okP99Ms: Math.round(percentile(ok, 99)),
    failedMaxMs: Math.round(failed.length ? Math.max(...failed) : 0),
  };
}

/** ms from `since` to the end of the first decision answered after it, or null if none. */
export function firstDecisionAfter(attempts: readonly Attempt[], since: number): number | null {
  const ends = attempts.filter((a) => (a.status === 200 || a.status === 201) && a.end >= since).map((a) => a.end);
  return ends.length ? Math.round(Math.min(...ends) - since) : null;
}

/** Prints a drill's measurements in one line, for the README's reliability section. */
export function report(name: string, data: Record<string, unknown>): void {
  console.log(`[drill ${name}] ${JSON.stringify(data)}`);
}

/** Full-length drills (about 20 s of load each) and the crash drills run with DRILLS=1. */
export const LONG = process.env.DRILLS === '1';

/** Without PostgreSQL server binaries the drills are skipped, unless DRILLS=1 asked for them. */
export const SKIP_DRILLS = !LONG && !postgresAvailable();

/** Counts by status (with the problem code) or network error, of attempts or anything shaped like them. */
export function tallyOf(items: ReadonlyArray<{ status: number | string | null; problem?: string; error?: string }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of items) {
    const label = a.status === null ? (a.error ?? 'error') : a.problem ? `${a.status} ${a.problem}` : String(a.status);
    out[label] = (out[label] ?? 0) + 1;
  }
  return out;
}
