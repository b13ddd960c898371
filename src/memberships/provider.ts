import type { AuditActor } from '../audit/chain.ts';

/**
 * Where membership and registration status comes from. `snapshot` answers from imported data only
 * (it refreshes nothing); the live BPJS adapter implements the same interface.
 */
export interface MembershipProvider {
  readonly name: 'snapshot' | 'http';
  /**
   * Refreshes the given NIKs into the memberships table (with history) within `deadline`;
   * returns which NIKs were refreshed, which BPJS does not know, and which failed.
   */
  refreshMemberships(niks: readonly string[], deadline: Date, meta?: RefreshMeta): Promise<RefreshOutcome>;
  /** Refreshes project registrations (BPJS Jakon numbers) into project_registrations. */
  refreshRegistrations(registrationNumbers: readonly string[], deadline: Date, meta?: RefreshMeta): Promise<RefreshOutcome>;
}

/**
 * Who caused a refresh, for its audit event (`membership.refreshed`); without it the event is
 * attributed to the system. `deadline` above is wall-clock time (compared with Date.now()).
 */
export interface RefreshMeta {
  actor?: AuditActor;
  requestId?: string | null;
}

export interface RefreshOutcome {
  refreshed: string[];
  notFound: string[];
  failed: string[];
}

export const snapshotProvider: MembershipProvider = {
  name: 'snapshot',
  async refreshMemberships(niks) {
    return { refreshed: [], notFound: [], failed: [...niks] };
  },
  async refreshRegistrations(numbers) {
    return { refreshed: [], notFound: [], failed: [...numbers] };
  },
};
