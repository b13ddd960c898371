// Where a webhook may point (2.6): never link-local or the cloud metadata service; loopback and
// private ranges only with WEBHOOK_ALLOW_PRIVATE (an endpoint inside the city's network); https in
// production unless it is such an allowed private address. Checked at registration and again at
// every delivery, on the addresses the name resolves to then (a name may be re-pointed later).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export type Refusal = 'LINK_LOCAL' | 'METADATA' | 'LOOPBACK' | 'PRIVATE' | 'RESERVED' | 'SCHEME' | 'HTTPS_REQUIRED' | 'UNRESOLVABLE' | 'CREDENTIALS';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
/** Resolves a host name to all its addresses (injectable: tests point names where they like). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

function list(entries: Array<[string, number, 'ipv4' | 'ipv6']>): BlockList {
  const b = new BlockList();
  for (const [net, prefix, type] of entries) b.addSubnet(net, prefix, type);
  return b;
}

// Metadata services: AWS/GCP/Azure/OpenStack (169.254.169.254), AWS IPv6, Alibaba, Oracle.
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '192.0.0.192']);
const LINK_LOCAL = list([['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']]);
const LOOPBACK = list([['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]);
const PRIVATE = list([
  ['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const RESERVED = list([
  ['0.0.0.0', 8, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'], ['192.0.0.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'], ['::', 128, 'ipv6'], ['ff00::', 8, 'ipv6'], ['64:ff9b::', 96, 'ipv6'],
]);

/** What is wrong with one address, or null when a webhook may be delivered to it. */
export function refusalOf(address: string, allowPrivate: boolean): Refusal | null {
  let ip = address.toLowerCase();
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (mapped?.[1]) ip = mapped[1];
  const type = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (METADATA.has(ip)) return 'METADATA';
  if (LINK_LOCAL.check(ip, type)) return 'LINK_LOCAL';
  if (RESERVED.check(ip, type)) return 'RESERVED';
  if (LOOPBACK.check(ip, type)) return allowPrivate ? null : 'LOOPBACK';
  if (PRIVATE.check(ip, type)) return allowPrivate ? null : 'PRIVATE';
  return null;
}

export interface UrlCheck {
  ok: boolean;
  refusal?: Refusal;
  /** The address to connect to (the first allowed one), so what was checked is what is used. */
  target?: ResolvedAddress;
  detail?: string;
}

export async function checkWebhookUrl(raw: string, o: { production: boolean; allowPrivate: boolean; resolve: Resolver }): Promise<UrlCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, refusal: 'SCHEME', detail: 'not a URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, refusal: 'SCHEME', detail: url.protocol };
  if (url.username || url.password) return { ok: false, refusal: 'CREDENTIALS' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: ResolvedAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await o.resolve(host);
    } catch (err) {
      return { ok: false, refusal: 'UNRESOLVABLE', detail: (err as NodeJS.ErrnoException).code ?? 'lookup failed' };
    }
    if (addresses.length === 0) return { ok: false, refusal: 'UNRESOLVABLE' };
  }
  // Every address the name has must be acceptable: a resolver may hand out any of them.
  for (const a of addresses) {
    const refusal = refusalOf(a.address, o.allowPrivate);
    if (refusal) return { ok: false, refusal, detail: a.address };
  }
  if (o.production && url.protocol !== 'https:') {
    const allPrivate = addresses.every((a) => refusalOf(a.address, false) !== null);
    if (!allPrivate) return { ok: false, refusal: 'HTTPS_REQUIRED' };
  }
  return { ok: true, target: addresses[0] as ResolvedAddress };
}
