import type { Logger } from 'pino';
import type { Pseudonymize } from '../audit/pseudonym.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { snapshotProvider, type MembershipProvider } from '../memberships/provider.ts';
import { createHttpProvider } from './provider.ts';

export interface ProviderDeps {
  /** Keyed pseudonyms for the refresh audit events; required with BPJS_PROVIDER=http. */
  pseudonymize?: Pseudonymize;
  clock?: () => Date;
}

/** Chooses the membership provider named by BPJS_PROVIDER. */
export function createProvider(config: Config, database: Database, logger: Logger, deps: ProviderDeps = {}): MembershipProvider {
  if (config.BPJS_PROVIDER === 'http') {
    if (!deps.pseudonymize) throw new Error('BPJS_PROVIDER=http: createProvider needs the pseudonymizer (PSEUDONYM_KEY)');
    return createHttpProvider({
      config, database, logger, pseudonymize: deps.pseudonymize, ...(deps.clock ? { clock: deps.clock } : {}),
    });
  }
  return snapshotProvider;
}
