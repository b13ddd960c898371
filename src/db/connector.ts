// Chooses the host of a several-host PostgreSQL URL as libpq's target_session_attrs does, and gives
// node-postgres that host for each new connection (a pg.Client subclass, usable as a Pool's Client).
//
// libpq tries the hosts in order and takes the first that accepts a connection and matches the
// attributes. This connector does the same, and remembers the host it found: new connections go
// straight there while it keeps working; once a connection to it is lost or refused, or it no longer
// matches (a demoted primary), the next connection tries every host again in order. So a promoted
// standby takes over without a restart, and a host that is down or read-only is never used for a
// write: each new connection checks the server's answer before it is handed out.
import pg from 'pg';
import { describeEndpoint, singleHostUrl, type Endpoint, type PgTarget, type SessionAttrs } from './hosts.ts';

/** What a server said about itself (or that it did not answer). */
export interface HostState {
  endpoint: Endpoint;
  state: 'primary' | 'standby' | 'down';
  /** transaction_read_only: on for a standby, and for a primary with default_transaction_read_only. */
  readOnly: boolean;
  error?: string;
}

const STATE_SQL = "select pg_is_in_recovery() as recovery, current_setting('transaction_read_only') as read_only";

/** No host matches the URL's target_session_attrs right now: the request can be retried (503). */
export class NoSuitableHostError extends Error {
  // 08001 (sqlclient_unable_to_establish_sqlconnection), as libpq reports it: the HTTP layer
  // answers 503 with Retry-After for it.
  readonly code = '08001';
  readonly hosts: HostState[];
  constructor(attrs: SessionAttrs, hosts: HostState[]) {
    const seen = hosts.map((h) => `${describeEndpoint(h.endpoint)} ${h.state === 'down' ? 'down' : h.readOnly ? 'read-only' : 'read-write'}`);
    super(`no host accepts a ${attrs} session (${seen.join(', ') || 'none tried'})`);
    this.name = 'NoSuitableHostError';
    this.hosts = hosts;
  }
}

/** Whether a server in this state may serve a session of these attributes (prefer-standby: strict pass). */
export function matches(attrs: SessionAttrs, s: Pick<HostState, 'state' | 'readOnly'>): boolean {
  if (s.state === 'down') return false;
  switch (attrs) {
    case 'any': return true;
    case 'read-write': return !s.readOnly;
    case 'read-only': return s.readOnly;
    case 'primary': return s.state === 'primary';
    case 'standby': case 'prefer-standby': return s.state === 'standby';
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? ((err as { code?: string }).code ?? err.message) : String(err));

async function stateOf(client: pg.ClientBase, endpoint: Endpoint): Promise<HostState> {
  const { rows } = await client.query<{ recovery: boolean; read_only: string }>(STATE_SQL);
  const row = rows[0];
  return { endpoint, state: row?.recovery ? 'standby' : 'primary', readOnly: row?.read_only === 'on' };
}

export interface SelectorOptions {
  /** How long one host may take to accept a connection and answer (default: the URL's connect_timeout, else 2 s). */
  perHostTimeoutMs?: number;
  /** After a round that found no host, new connections fail at once for this long instead of trying again. */
  retryAfterMs?: number;
  /** Told when the chosen host changes (failover), for the log. */
  onChange?: (to: Endpoint | null, hosts: HostState[]) => void;
}

export interface HostStatus {
  state: 'ok' | 'read-only' | 'down';
  /** host:port in use; with read-only, the host that answered read-only; null when none answered. */
  host: string | null;
}

/** Remembers the chosen host of one target and finds another when it is lost. */
export class HostSelector {
  readonly target: PgTarget;
  readonly perHostTimeoutMs: number;
  /** Only a lone host with attrs `any` is used unchecked (as node-postgres would). */
  readonly checks: boolean;
  #current: Endpoint | null = null;
  #round: Promise<Endpoint> | null = null;
  #lastRound: { at: number; hosts: HostState[]; error: NoSuitableHostError | null } | null = null;
  #options: SelectorOptions;

  constructor(target: PgTarget, options: SelectorOptions = {}) {
    this.target = target;
    this.#options = options;
    this.perHostTimeoutMs = options.perHostTimeoutMs ?? target.connectTimeoutMs ?? 2_000;
    this.checks = target.hosts.length > 1 || target.targetSessionAttrs !== 'any';
    if (!this.checks) this.#current = target.hosts[0] ?? null;
  }

  /** The host new connections go to: the remembered one, else the first matching one in libpq's order. */
  async pick(): Promise<Endpoint> {
    if (this.#current) return this.#current;
    const last = this.#lastRound;
    if (last?.error && performance.now() - last.at < (this.#options.retryAfterMs ?? 250)) throw last.error;
    this.#round ??= this.#findHost().finally(() => {
      this.#round = null;
    });
    return this.#round;
  }

  /** A connection to `endpoint` failed or it stopped matching: the next connection searches again. */
  lost(endpoint: Endpoint): void {
    const current = this.#current;
    if (this.checks && current && current.host === endpoint.host && current.port === endpoint.port) {
      this.#current = null;
      this.#options.onChange?.(null, []);
    }
  }

  /** Records what a fresh connection found on its host; false when it must not be used. */
  confirm(state: HostState): boolean {
    if (this.#accepts(state)) return true;
    this.lost(state.endpoint);
    return false;
  }

  status(): HostStatus {
    if (this.#current) return { state: 'ok', host: describeEndpoint(this.#current) };
    const answered = this.#lastRound?.hosts.find((h) => h.state !== 'down');
    return answered ? { state: 'read-only', host: describeEndpoint(answered.endpoint) } : { state: 'down', host: null };
  }

  #accepts(s: HostState): boolean {
    // prefer-standby takes a primary when no standby answered (decided in #findHost).
    return this.target.targetSessionAttrs === 'prefer-standby' ? s.state !== 'down' : matches(this.target.targetSessionAttrs, s);
  }

  async #probe(endpoint: Endpoint): Promise<HostState> {
    const client = new pg.Client({
      connectionString: singleHostUrl(this.target, endpoint),
      connectionTimeoutMillis: this.perHostTimeoutMs,
      query_timeout: this.perHostTimeoutMs,
      application_name: 'gerbang-probe',
    });
    client.on('error', () => {}); // the failing connect or query reports it
    try {
      await client.connect();
      return await stateOf(client, endpoint);
    } catch (err) {
      return { endpoint, state: 'down', readOnly: false, error: errorText(err) };
    } finally {
      void client.end().catch(() => {});
    }
  }

  async #findHost(): Promise<Endpoint> {
    const order = [...this.target.hosts];
    if (this.target.loadBalanceHosts === 'random') {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [order[i], order[j]] = [order[j] as Endpoint, order[i] as Endpoint];
      }
    }
    const hosts: HostState[] = [];
    let chosen: Endpoint | null = null;
    for (const endpoint of order) {
      const state = await this.#probe(endpoint);
      hosts.push(state);
      if (matches(this.target.targetSessionAttrs, state)) {
        chosen = endpoint;
        break;
      }
    }
    if (!chosen && this.target.targetSessionAttrs === 'prefer-standby') chosen = hosts.find((h) => h.state !== 'down')?.endpoint ?? null;
    const error = chosen ? null : new NoSuitableHostError(this.target.targetSessionAttrs, hosts);
    this.#lastRound = { at: performance.now(), hosts, error };
    if (error) throw error;
    this.#current = chosen;
    this.#options.onChange?.(chosen, hosts);
    return chosen as Endpoint;
  }
}

type ConnectCallback = ((err: Error) => void) | ((err: null, c: pg.Client) => void);

/**
 * A pg.Client class whose instances connect to the selector's host and, when the selector checks
 * hosts, confirm the server's state before they are used. Pass it as a Pool's `Client`.
 */
export function clientClassFor(selector: HostSelector): typeof pg.Client {
  return class MultiHostClient extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
      const done = this.#connectToSelected();
      if (!callback) return done;
      done.then((c) => (callback as (err: null, c: pg.Client) => void)(null, c), (err: Error) => (callback as (err: Error) => void)(err));
    }

    async #connectToSelected(): Promise<pg.Client> {
      const endpoint = await selector.pick();
      // node-postgres reads these at connect time (ConnectionParameters were parsed from the base URL).
      const self = this as unknown as { host: string; port: number; connectionParameters: { host: string; port: number } };
      self.host = self.connectionParameters.host = endpoint.host;
      self.port = self.connectionParameters.port = endpoint.port;
      try {
        await super.connect();
      } catch (err) {
        selector.lost(endpoint);
        throw err;
      }
      this.on('error', () => selector.lost(endpoint));
      if (!selector.checks) return this;
      let state: HostState;
      try {
        state = await stateOf(this, endpoint);
      } catch (err) {
        selector.lost(endpoint);
        await this.end().catch(() => {});
        throw err;
      }
      if (!selector.confirm(state)) {
        await this.end().catch(() => {});
        throw new NoSuitableHostError(selector.target.targetSessionAttrs, [state]);
      }
      return this;
    }
  };
}
