import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { snapshotProvider, type MembershipProvider } from '../memberships/provider.ts';

/** Chooses the membership provider named by BPJS_PROVIDER. */
export function createProvider(config: Config, _database: Database, _logger: Logger): MembershipProvider {
  if (config.BPJS_PROVIDER === 'http') {
    throw new Error('BPJS_PROVIDER=http is not available yet');
  }
  return snapshotProvider;
}
