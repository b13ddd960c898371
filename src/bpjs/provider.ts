// BPJS_PROVIDER=http: fetches from the upstream, maps its records into Gerbang's membership model
// and stores them (with history) together with one `membership.refreshed` audit event.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { appendAudit } from '../audit/append.ts';
import type { AuditActor } from '../audit/chain.ts';
import type { Pseudonymize } from '../audit/pseudonym.ts';
import type { Config } from '../config.ts';
import type { Database, Tx } from '../db/client.ts';
import type { MembershipProvider, RefreshMeta, RefreshOutcome } from '../memberships/provider.ts';
import { createBpjsClient, type BpjsClient, type BpjsClientOptions } from './client.ts';
import { upsertMemberships, upsertRegistrations, type MembershipRow, type RegistrationRow } from './repository.ts';
import type { UpstreamCoverage, UpstreamParticipant, UpstreamProject } from './wire.ts';

export const UPSTREAM_SOURCE = 'upstream';
const SYSTEM_ACTOR: AuditActor = { sub: 'system:bpjs-refresh', roles: [], opd: null };
const PROGRAM_ORDER = ['JKK', 'JKM', 'JHT', 'JP', 'JKP'];

export interface HttpProviderOptions {
  config: Config;
  database: Database;
  logger: Logger;
  /** The app's clock: stamps asOf / verifiedAt and the audit event. */
  clock?: () => Date;
  /** Keyed pseudonyms of NIKs for the audit event (HMAC under PSEUDONYM_KEY). */
  pseudonymize: Pseudonymize;
  /** Overrides of the client's tuning (batch size, concurrency, caps, breaker threshold). */
  client?: Partial<BpjsClientOptions>;
}

export interface HttpProvider extends MembershipProvider {
  readonly client: BpjsClient;
}

/**
 * The stored records of one upstream result: one per coverage (either wire form), or the single
 * "not known to BPJS" record. A found result is BPJS's complete set for the NIK (see upsertMemberships).
 */
export function toMembershipRows(p: UpstreamParticipant): MembershipRow[] {
  if (!p.found) {
    return [{
      nik: p.nik, found: false, kpj: null, name: null, status: null, programs: null, coverageStart: null,
      coverageEnd: null, segment: null, projectNumber: null, employerNpp: null,
    }];
  }
  const coverages: UpstreamCoverage[] = 'memberships' in p ? p.memberships : [p];
  return coverages.map((c) => ({
    nik: p.nik,
    found: true,
    kpj: c.kpj,
    name: p.name,
    status: c.status === 'AKTIF' ? 'ACTIVE' : 'INACTIVE',
    // One canonical order, so the same programs in another order are not a change.
    programs: [...c.programs].sort((a, b) => PROGRAM_ORDER.indexOf(a) - PROGRAM_ORDER.indexOf(b)),
    coverageStart: c.coverageStart,
    coverageEnd: c.coverageEnd ?? null,
    segment: c.segment,
    projectNumber: c.projectNumber ?? null,
    employerNpp: c.employerNpp ?? null,
  }));
}

export function toRegistrationRow(p: UpstreamProject): RegistrationRow {
  if (!p.found) {
    return {
      registrationNumber: p.projectNumber, found: false, status: null, contractValue: null, premiumRequired: null,
      premiumPaid: null, workersRegistered: null, coverageStart: null, coverageEnd: null,
    };
  }
  return {
    registrationNumber: p.projectNumber, found: true, status: p.status, contractValue: p.contractValue,
    premiumRequired: p.premiumRequired, premiumPaid: p.premiumPaid, workersRegistered: p.workersRegistered,
    coverageStart: p.coverageStart, coverageEnd: p.coverageEnd,
  };
}

const sorted = (values: Iterable<string>) => [...values].sort();

export function createHttpProvider(options: HttpProviderOptions): HttpProvider {
  const { config, database, logger, pseudonymize } = options;
  const clock = options.clock ?? (() => new Date());
  if (!config.BPJS_API_URL || !config.BPJS_API_KEY) throw new Error('BPJS_PROVIDER=http needs BPJS_API_URL and BPJS_API_KEY');
  const client = createBpjsClient({
    baseUrl: config.BPJS_API_URL,
    apiKey: config.BPJS_API_KEY,
    timeoutMs: config.BPJS_TIMEOUT_MS,
    breakerResetMs: config.BPJS_BREAKER_RESET_MS,
    logger: logger.child({ component: 'bpjs' }),
    ...options.client,
  });

  /** Stores the answers and their audit event in one transaction; on a database error, all fail. */
  async function store(
    kind: 'participants' | 'projects', outcome: RefreshOutcome, requested: number,
    write: (tx: Tx, at: Date) => Promise<string[]>,
    auditKeys: (changed: string[]) => Record<string, unknown>, meta: RefreshMeta | undefined,
  ): Promise<RefreshOutcome> {
    if (outcome.refreshed.length + outcome.notFound.length === 0) return outcome;
    const at = clock(); // the answers' time: freshness is measured from it
    try {
      await database.db.transaction(async (tx) => {
        const changed = await write(tx, at);
        await appendAudit(tx, {
          actor: meta?.actor ?? SYSTEM_ACTOR,
          action: 'membership.refreshed',
          entityType: 'bpjs_refresh',
          entityId: randomUUID(),
          data: {
            kind, source: UPSTREAM_SOURCE, asOf: at.toISOString(), requested,
            refreshed: outcome.refreshed.length, notFound: outcome.notFound.length, failed: outcome.failed.length,
            changed: changed.length, ...auditKeys(changed),
          },
          requestId: meta?.requestId ?? null,
        }, clock);
      });
      return outcome;
    } catch (err) {
      logger.error({ err: { message: (err as Error).message }, kind }, 'storing the BPJS answers failed');
      return { refreshed: [], notFound: [], failed: sorted([...outcome.refreshed, ...outcome.notFound, ...outcome.failed]) };
    }
  }

  return {
    name: 'http',
    client,

    async refreshMemberships(niks, deadline, meta) {
      const unique = [...new Set(niks)];
      if (unique.length === 0) return { refreshed: [], notFound: [], failed: [] };
      const { answers, failed } = await client.fetchParticipants(unique, deadline);
      const results = [...answers.values()];
      const records = results.flatMap(toMembershipRows);
      const outcome: RefreshOutcome = {
        refreshed: sorted(results.filter((r) => r.found).map((r) => r.nik)),
        notFound: sorted(results.filter((r) => !r.found).map((r) => r.nik)),
        failed: sorted(failed),
      };
      return store('participants', outcome, unique.length,
        (tx, at) => upsertMemberships(tx, records, at, UPSTREAM_SOURCE),
        // Workers appear only as keyed pseudonyms: the chain stays verifiable after erasure.
        (changed) => {
          const changedSet = new Set(changed);
          const written = [...outcome.refreshed, ...outcome.notFound];
          return {
            workersChanged: sorted(changed.map(pseudonymize)),
            workersUnchanged: sorted(written.filter((n) => !changedSet.has(n)).map(pseudonymize)),
          };
        },
        meta);
    },

    async refreshRegistrations(numbers, deadline, meta) {
      const unique = [...new Set(numbers)];
      if (unique.length === 0) return { refreshed: [], notFound: [], failed: [] };
      const { answers, failed } = await client.fetchProjects(unique, deadline);
      const records = [...answers.values()].map(toRegistrationRow);
      const outcome: RefreshOutcome = {
        refreshed: sorted(records.filter((r) => r.found).map((r) => r.registrationNumber)),
        notFound: sorted(records.filter((r) => !r.found).map((r) => r.registrationNumber)),
        failed: sorted(failed),
      };
      // Registration numbers are not personal data and are stored as they are.
      return store('projects', outcome, unique.length,
        (tx, at) => upsertRegistrations(tx, records, at),
        (changed) => ({ projectNumbers: sorted(records.map((r) => r.registrationNumber)), projectsChanged: changed }),
        meta);
    },
  };
}
