// The egress guard: the only `fetch` the server hands to nodes (and to anything else that calls out).
// It refuses link-local and cloud-metadata addresses always, and private, loopback and unique-local
// ones unless SLUICE_EGRESS_ALLOW lists them. Host names are checked after DNS, inside the socket's
// own lookup, so the address checked is the address connected to (no DNS-rebinding gap). Redirects
// are followed by hand, each hop checked again.
import dns from 'node:dns';
import { BlockList, isIP, Socket } from 'node:net';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { EgressRefusedError } from '@sluice/nodes';

/** Refused whatever the allow list says: link-local (where cloud metadata lives), metadata hosts, "this network", multicast, broadcast. */
const ALWAYS_REFUSED = new BlockList();
ALWAYS_REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
ALWAYS_REFUSED.addSubnet('0.0.0.0', 8, 'ipv4');
ALWAYS_REFUSED.addSubnet('224.0.0.0', 4, 'ipv4');
ALWAYS_REFUSED.addAddress('255.255.255.255', 'ipv4');
ALWAYS_REFUSED.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
ALWAYS_REFUSED.addSubnet('fe80::', 10, 'ipv6');
ALWAYS_REFUSED.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
ALWAYS_REFUSED.addAddress('::', 'ipv6');
ALWAYS_REFUSED.addSubnet('ff00::', 8, 'ipv6');

/** Refused unless allowed: private, shared (CGNAT), loopback and unique-local ranges. */
const PRIVATE = new BlockList();
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4');
PRIVATE.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE.addAddress('::1', 'ipv6');
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** Redirects followed at most. */
export const MAX_REDIRECTS = 5;

export interface EgressPolicy {
  /** Addresses and CIDRs let through although private. */
  allowedRanges: BlockList;
  /** Host names let through although they resolve to private addresses (lower case). */
  allowedHosts: Set<string>;
}

/**
 * The allow list from SLUICE_EGRESS_ALLOW: comma-separated CIDRs (10.0.0.0/8, fd12::/16), addresses
 * (127.0.0.1) or host names (crm.internal). Default empty: no private address is reachable.
 */
export function egressPolicy(allow: readonly string[] = []): EgressPolicy {
  const allowedRanges = new BlockList();
  const allowedHosts = new Set<string>();
  for (const raw of allow) {
    const entry = raw.trim();
    if (entry === '') continue;
    const [address, prefix] = entry.split('/');
    const type = isIP(address!);
    if (type !== 0) {
      const family = type === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) allowedRanges.addAddress(address!, family);
      else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (type === 4 ? 32 : 128)) throw new Error(`SLUICE_EGRESS_ALLOW: "${entry}" is not a valid CIDR`);
        allowedRanges.addSubnet(address!, bits, family);
      }
    } else if (/^[a-z0-9.-]+$/i.test(entry) && prefix === undefined) {
      allowedHosts.add(entry.toLowerCase());
    } else {
      throw new Error(`SLUICE_EGRESS_ALLOW: "${entry}" is neither an address, a CIDR nor a host name`);
    }
  }
  return { allowedRanges, allowedHosts };
}

/** `::ffff:10.0.0.1` is 10.0.0.1: checked as IPv4 so mapped addresses cannot slip through. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1]!, family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/** Why `address` (reached as `host`) may not be contacted, or null when it may. */
export function refusal(policy: EgressPolicy, address: string, host: string): string | null {
  const { address: a, family } = normalise(address);
  const where = host === address ? address : `${host} (${address})`;
  if (ALWAYS_REFUSED.check(a, family)) return `${where} is a link-local, metadata or reserved address; Sluice never sends there`;
  if (PRIVATE.check(a, family) && !policy.allowedRanges.check(a, family) && !policy.allowedHosts.has(host.toLowerCase())) {
    return `${where} is a private or loopback address; list it in SLUICE_EGRESS_ALLOW to let Sluice send there`;
  }
  return null;
}

/**
 * The socket's DNS lookup: resolves, checks every answer, and hands the socket only the answers that
 * pass (localhost's ::1 may be refused while its 127.0.0.1 is allowed); none passing is a refusal.
 */
function guardedLookup(policy: EgressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const passing = addresses.filter(({ address }) => refusal(policy, address, hostname) === null);
      const first = passing[0];
      if (!first) return callback(new EgressRefusedError(refusal(policy, addresses[0]?.address ?? hostname, hostname) ?? `${hostname} has no address`), '', 0);
      if (options.all) callback(null, passing);
      else callback(null, first.address, first.family);
    });
  };
}

/** Checks what can be checked before connecting: the scheme, metadata host names and literal addresses. */
function checkUrl(policy: EgressPolicy, url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EgressRefusedError(`${url.protocol} URLs are not fetched`);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (METADATA_HOSTS.has(host)) throw new EgressRefusedError(`${host} is a cloud metadata service; Sluice never sends there`);
  if (isIP(host) !== 0) {
    const why = refusal(policy, host, host);
    if (why) throw new EgressRefusedError(why);
  }
}

/** The refusal behind a failed fetch (undici wraps connect errors in "fetch failed"). */
function egressCause(err: unknown): EgressRefusedError | null {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof EgressRefusedError) return e;
  }
  return null;
}

/**
 * A socket factory for pg (`new pg.Pool({ stream })`): database connections a sink opens go through
 * the same checks — the host's resolved address is checked inside the socket's lookup. A Unix
 * socket path is local and allowed.
 */
export function createEgressSocket(policy: EgressPolicy): () => Socket {
  const lookup = guardedLookup(policy);
  return () => {
    const socket = new Socket();
    const connect = socket.connect.bind(socket);
    // pg calls connect(port, host), or connect(path) for a Unix socket.
    const guarded = (port: number | string, host?: string): Socket => {
      if (typeof port === 'string' || host === undefined) return connect(String(port));
      const bare = host.replace(/^\[|\]$/g, '');
      const why = isIP(bare) !== 0 ? refusal(policy, bare, bare) : METADATA_HOSTS.has(bare.toLowerCase()) ? `${bare} is a cloud metadata service; Sluice never sends there` : null;
      if (why) {
        process.nextTick(() => socket.destroy(new EgressRefusedError(why)));
        return socket;
      }
      return connect({ port, host, lookup });
    };
    socket.connect = guarded as typeof socket.connect;
    return socket;
  };
}

/**
 * For clients that open their own connections (broker clients, whose libraries take a URL): checks
 * the URL's host before connecting — a metadata name or a literal address directly, a host name by
 * resolving it, where every address it has must pass (the client may connect to any of them). A URL
 * without a host (a Unix socket) is local and allowed. The client resolves the name again when it
 * connects; list host names you trust in SLUICE_EGRESS_ALLOW rather than relying on their answers.
 * @example await assertEgressAllowed(policy, 'amqp://user:pw@rabbit.internal:5672') // throws EgressRefusedError
 */
export async function assertEgressAllowed(policy: EgressPolicy, target: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(target.includes('://') ? target : `tcp://${target}`);
  } catch {
    throw new EgressRefusedError('not a URL the egress guard can check');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return;
  if (METADATA_HOSTS.has(host)) throw new EgressRefusedError(`${host} is a cloud metadata service; Sluice never sends there`);
  if (isIP(host) !== 0) {
    const why = refusal(policy, host, host);
    if (why) throw new EgressRefusedError(why);
    return;
  }
  const addresses = await dns.promises.lookup(host, { all: true });
  for (const { address } of addresses) {
    const why = refusal(policy, address, host);
    if (why) throw new EgressRefusedError(why);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A `fetch` that only reaches addresses the policy allows. `redirect: 'manual'` returns the 3xx as
 * it is; the default ('follow') follows up to MAX_REDIRECTS, checking every hop; 'error' refuses them.
 */
export function createEgressFetch(policy: EgressPolicy): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy) } });
  return async (input, init = {}) => {
    if (input instanceof Request) throw new Error('the egress guard takes a URL, not a Request');
    let url = new URL(String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const mode = init.redirect ?? 'follow';
    for (let hop = 0; ; hop++) {
      checkUrl(policy, url);
      let response: Response;
      try {
        response = await fetch(url, { ...init, method, body, redirect: 'manual', dispatcher } as RequestInit);
      } catch (err) {
        throw egressCause(err) ?? err;
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null || mode === 'manual') return response;
      await response.body?.cancel().catch(() => undefined);
      if (mode === 'error') throw new TypeError(`redirected to another address, and redirects were not allowed`);
      if (hop >= MAX_REDIRECTS) throw new TypeError(`more than ${MAX_REDIRECTS} redirects`);
      url = new URL(location, url);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
    }
  };
}
