// Where alerts may go. A project token chooses alert targets, and the server sends to them: without
// a guard, a channel pointed at 127.0.0.1, 169.254.169.254 or 10.0.0.5 reaches what only the server
// can reach (server-side request forgery), and its error messages would map that network. Targets
// are checked on the address actually connected to, after DNS resolution (a name that resolves to
// a private address is refused, and one resolved twice cannot change its answer in between).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const blocked = new BlockList();
// IPv4: "this network", private (RFC 1918), shared address space (carrier NAT), loopback,
// link-local (cloud metadata lives here), IETF protocol assignments, benchmarking, multicast,
// reserved and broadcast.
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
// IPv6: unspecified, loopback, discard-only, unique local, link-local, site-local, multicast.
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['100::', 64], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address, which reaches that IPv4 host. */
function embeddedIpv4(ip: string): string | null {
  const lower = ip.toLowerCase();
  const tail = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (tail) return tail[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) return hexPairToIpv4(hex[1]!, hex[2]!);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(lower);
  if (sixToFour) return hexPairToIpv4(sixToFour[1]!, sixToFour[2]!);
  return null;
}

function hexPairToIpv4(high: string, low: string): string {
  const h = Number.parseInt(high, 16);
  const l = Number.parseInt(low, 16);
  return `${h >> 8}.${h & 255}.${l >> 8}.${l & 255}`;
}

/** Loopback, link-local, private, unspecified or otherwise not a public internet address. */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4 !== null) return blocked.check(v4, 'ipv4');
    return blocked.check(ip, 'ipv6');
  }
  return true; // not an address at all: refuse rather than guess
}

export const PRIVATE_TARGET = 'EPAKYAS_PRIVATE_TARGET';

export class PrivateTargetError extends Error {
  readonly code = PRIVATE_TARGET;
  constructor() {
    super('the target resolves to a loopback, link-local, private or unspecified address; the server refuses such targets unless PAKYAS_ALERT_ALLOW_PRIVATE=true');
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for sockets (http.request, net.connect) that resolves as usual and keeps only public
 * addresses; none left is an error. Used as the connection's own lookup, so the address checked is
 * the address connected to.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const allowed = addresses.filter((a) => !isPrivateAddress(a.address));
    if (allowed.length === 0) return callback(new PrivateTargetError(), []);
    if (options.all) return callback(null, allowed);
    callback(null, allowed[0]!.address, allowed[0]!.family);
  });
}

/** One public address for `host` (a name or a literal), or PrivateTargetError. For clients that take an address, not a lookup. */
export function resolvePublic(host: string): Promise<string> {
  if (isIP(host)) return isPrivateAddress(host) ? Promise.reject(new PrivateTargetError()) : Promise.resolve(host);
  return new Promise((resolve, reject) => {
    guardedLookup(host, {}, (err, address) => (err ? reject(err) : resolve(address as string)));
  });
}
