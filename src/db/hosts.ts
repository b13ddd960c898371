// Parses PostgreSQL connection URLs the way libpq does, several hosts included
// (`postgresql://u@h1:5432,h2:5432/db?target_session_attrs=read-write`). node-postgres and
// pg-connection-string (2.14) reject a host list, so this module splits it into one target per
// host; src/db/connector.ts then chooses among them. Pure: no I/O.

/** libpq's `target_session_attrs` values (PostgreSQL 14+). */
export const SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type SessionAttrs = (typeof SESSION_ATTRS)[number];

export interface Endpoint {
  /** A name, an IP address (IPv6 without brackets) or a unix socket directory (starts with '/'). */
  host: string;
  port: number;
}

export interface PgTarget {
  hosts: Endpoint[];
  user?: string;
  password?: string;
  database?: string;
  targetSessionAttrs: SessionAttrs;
  /** `random` shuffles the host list for each new connection (libpq 16's load_balance_hosts). */
  loadBalanceHosts: 'disable' | 'random';
  /** libpq's connect_timeout (seconds in the URL), per host tried. */
  connectTimeoutMs?: number;
  /** Every other query parameter (sslmode, application_name, options...), passed on to node-postgres. */
  params: Record<string, string>;
}

export class PgUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PgUrlError';
  }
}

const DEFAULT_PORT = 5432;
// Parameters this module interprets; node-postgres never sees them.
const OWN_PARAMS = new Set(['host', 'hostaddr', 'port', 'target_session_attrs', 'load_balance_hosts', 'connect_timeout']);

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new PgUrlError(`${what} is not valid percent-encoding`);
  }
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new PgUrlError(`port "${text}" is not a number from 1 to 65535`);
  return Number(text);
}

/** One `host[:port]` of the authority: `[v6]:port`, `name:port`, `name`, or empty (libpq's default host). */
function splitHostSpec(spec: string): { host: string; port: string | undefined } {
  if (spec.startsWith('[')) {
    const close = spec.indexOf(']');
    if (close < 0) throw new PgUrlError(`"${spec}": an IPv6 address needs its closing "]"`);
    const rest = spec.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new PgUrlError(`"${spec}": unexpected text after the IPv6 address`);
    return { host: spec.slice(1, close), port: rest ? rest.slice(1) : undefined };
  }
  const colon = spec.lastIndexOf(':');
  if (colon < 0) return { host: decode(spec, 'a host'), port: undefined };
  return { host: decode(spec.slice(0, colon), 'a host'), port: spec.slice(colon + 1) };
}

/**
 * libpq's rules: hosts from the authority (or the `host` parameter, which wins), each with its own
 * port or the `port` parameter's (one port for all, or one per host), 5432 by default; an empty
 * host is localhost. Throws PgUrlError with a message that never contains the password.
 */
export function parsePgUrl(url: string): PgTarget {
  const scheme = /^(postgres|postgresql):\/\//i.exec(url);
  if (!scheme) throw new PgUrlError('must start with postgresql:// or postgres://');
  const rest = url.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hostlist = at < 0 ? authority : authority.slice(at + 1);
  const queryStart = tail.indexOf('?');
  const path = queryStart < 0 ? tail : tail.slice(0, queryStart);
  const query = queryStart < 0 ? '' : tail.slice(queryStart + 1);

  const target: PgTarget = { hosts: [], targetSessionAttrs: 'any', loadBalanceHosts: 'disable', params: {} };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon), 'the user name');
    if (user) target.user = user;
    if (colon >= 0) target.password = decode(userinfo.slice(colon + 1), 'the password');
  }
  if (path.length > 1) target.database = decode(path.slice(1), 'the database name');

  const raw: Record<string, string> = {};
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw new PgUrlError(`query parameter "${decode(pair, 'a parameter')}" has no value`);
    raw[decode(pair.slice(0, eq).replace(/\+/g, ' '), 'a parameter')] = decode(pair.slice(eq + 1).replace(/\+/g, ' '), 'a parameter value');
  }

  let specs = hostlist.split(',').map(splitHostSpec);
  if (raw.host !== undefined) {
    if (hostlist !== '' && hostlist.split(',').some((s) => splitHostSpec(s).host !== '')) throw new PgUrlError('hosts given both in the URL and as ?host=');
    specs = raw.host.split(',').map((host) => ({ host, port: undefined }));
  }
  const listedPorts = specs.map((s) => s.port);
  const paramPorts = raw.port?.split(',');
  if (paramPorts && listedPorts.some((p) => p !== undefined && p !== '')) throw new PgUrlError('ports given both in the URL and as ?port=');
  if (paramPorts && paramPorts.length !== 1 && paramPorts.length !== specs.length) {
    throw new PgUrlError(`${paramPorts.length} ports for ${specs.length} hosts: give one port, or one per host`);
  }
  target.hosts = specs.map((s, i) => {
    const port = paramPorts ? (paramPorts.length === 1 ? paramPorts[0] : paramPorts[i]) : s.port;
    return { host: s.host === '' ? 'localhost' : s.host, port: port === undefined || port === '' ? DEFAULT_PORT : parsePort(port) };
  });

  const attrs = raw.target_session_attrs ?? 'any';
  if (!(SESSION_ATTRS as readonly string[]).includes(attrs)) throw new PgUrlError(`target_session_attrs must be one of ${SESSION_ATTRS.join(', ')}`);
  target.targetSessionAttrs = attrs as SessionAttrs;
  const balance = raw.load_balance_hosts ?? 'disable';
  if (balance !== 'disable' && balance !== 'random') throw new PgUrlError('load_balance_hosts must be disable or random');
  target.loadBalanceHosts = balance;
  if (raw.connect_timeout !== undefined) {
    if (!/^\d+$/.test(raw.connect_timeout)) throw new PgUrlError('connect_timeout must be a whole number of seconds');
    // libpq treats 1 as 2 and 0 as "wait forever"; forever is never what a service wants.
    const seconds = Number(raw.connect_timeout);
    if (seconds > 0) target.connectTimeoutMs = Math.max(2, seconds) * 1000;
  }
  if (raw.hostaddr !== undefined) throw new PgUrlError('hostaddr is not supported: name the hosts instead');
  for (const [k, v] of Object.entries(raw)) if (!OWN_PARAMS.has(k)) target.params[k] = v;
  return target;
}

const hostText = (e: Endpoint): string => (e.host.includes(':') ? `[${e.host}]` : e.host);

/** `host:port` for logs and /readyz (a socket directory as itself). */
export function describeEndpoint(e: Endpoint): string {
  return e.host.startsWith('/') ? `${e.host}:${e.port}` : `${hostText(e)}:${e.port}`;
}

/** The target's hosts without credentials, e.g. `db1:5432,db2:5432/gerbang`. */
export function describeTarget(t: PgTarget): string {
  return `${t.hosts.map(describeEndpoint).join(',')}/${t.database ?? ''}`;
}

/** A single-host URL node-postgres understands, for one endpoint of the target. */
export function singleHostUrl(t: PgTarget, e: Endpoint): string {
  const enc = encodeURIComponent;
  const auth = t.user === undefined ? '' : `${enc(t.user)}${t.password === undefined ? '' : `:${enc(t.password)}`}@`;
  const params = new URLSearchParams(t.params);
  let authority = `${auth}${hostText(e)}:${e.port}`;
  if (e.host.startsWith('/')) {
    authority = `${auth}localhost:${e.port}`;
    params.set('host', e.host);
  }
  const query = params.toString();
  return `postgresql://${authority}/${enc(t.database ?? '')}${query ? `?${query}` : ''}`;
}
