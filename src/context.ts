import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { KeyMaterial } from './keys.ts';
import type { Pseudonymize } from './audit/pseudonym.ts';
import type { AccessLog } from './audit/access-log.ts';
import type { MembershipProvider } from './memberships/provider.ts';
import type { Outbox } from './webhooks/outbox.ts';
import type { WebhookOptions } from './webhooks/runtime.ts';
import type { WebhookSigningKey } from './webhooks/signing.ts';
import type { Resolver } from './webhooks/address.ts';

/** Everything a feature needs from outside, passed in so tests can swap the clock, keys and upstream. */
export interface AppDeps {
  config: Config;
  database: Database;
  keys: KeyMaterial;
  /** The wall clock; tests pass a fixed one. */
  clock?: () => Date;
  provider?: MembershipProvider;
  logger?: Logger;
  /** Webhook delivery in this process (server.ts delivers); false: no job queue at all (OpenAPI rendering). */
  webhooks?: WebhookOptions | false;
}

export interface AppContext {
  config: Config;
  database: Database;
  keys: KeyMaterial;
  clock: () => Date;
  provider: MembershipProvider;
  pseudonymize: Pseudonymize;
  /** Reads of personal data, written in batches apart from the audit chain. */
  accessLog: AccessLog;
  /** Today's calendar date (YYYY-MM-DD) in LOCAL_TIMEZONE. */
  today: () => string;
  /** Where changes record their webhook notifications (set once the job queue has started). */
  outbox: Outbox;
  webhooks: { key: WebhookSigningKey | null; resolve: Resolver | null };
}

// Building an Intl.DateTimeFormat costs far more than formatting with one: keep one per zone,
// with its last answer. A zone's date changes only on a whole minute (UTC offsets and their
// transitions are whole minutes), so one answer serves its minute: every request asks for today.
const dateFormats = new Map<string, { format: Intl.DateTimeFormat; minute: number; date: string }>();

export function localDate(instant: Date, timeZone: string): string {
  let zone = dateFormats.get(timeZone);
  if (zone === undefined) {
    // en-CA formats as YYYY-MM-DD.
    zone = { format: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }), minute: NaN, date: '' };
    dateFormats.set(timeZone, zone);
  }
  const minute = Math.floor(instant.getTime() / 60_000);
  if (minute !== zone.minute) {
    zone.date = zone.format.format(instant);
    zone.minute = minute;
  }
  return zone.date;
}
