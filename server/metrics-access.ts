// Who may read /metrics. It lists every project's and job's name and state, so an operator can
// require a token (PAKYAS_METRICS_TOKEN) and, once the server knows its own name, answer only
// requests addressed to that name: a web page an operator visits can point its own host name at
// the operator's Pakyas (DNS rebinding) and read /metrics from inside the browser, but the Host
// header still names the page's host, never the server's.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { checkChosenToken } from './auth.js';

export interface MetricsAccess {
  /** sha256 of the token /metrics requires, or null for none. */
  tokenHash: Buffer | null;
  /** The host names /metrics answers to (IP addresses always), or null for any. */
  hosts: ReadonlySet<string> | null;
}

export interface MetricsAccessOptions {
  metricsToken?: string;
  publicUrl?: string;
  host?: string;
}

/** Throws, with a sentence for the operator, when an option cannot be used. */
export function metricsAccess(options: MetricsAccessOptions): MetricsAccess {
  const { metricsToken, publicUrl, host } = options;
  if (metricsToken !== undefined) checkChosenToken('PAKYAS_METRICS_TOKEN', metricsToken);
  const hosts = new Set<string>();
  if (publicUrl !== undefined) {
    let url: URL | null = null;
    try { url = new URL(publicUrl); } catch { /* said below */ }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new Error(`PAKYAS_PUBLIC_URL must be the server's URL as its users reach it, like https://pakyas.example.com, not '${publicUrl}'`);
    }
    hosts.add(hostName(url.hostname));
  }
  // --host naming a host (not an address) is a name the server is reached by, too.
  if (host !== undefined && isIP(host) === 0) hosts.add(hostName(host));
  return { tokenHash: metricsToken === undefined ? null : sha256(metricsToken), hosts: hosts.size > 0 ? hosts : null };
}

export interface Refusal { status: number; message: string; headers?: Record<string, string> }

/** Why a request for /metrics is refused, or null when it may be answered. */
export function refuseMetrics(access: MetricsAccess, headers: IncomingHttpHeaders): Refusal | null {
  if (access.hosts) {
    const name = requestHost(headers.host);
    if (name === null) return { status: 400, message: 'A Host header is required for /metrics' };
    // An address in Host means the client dialled the address itself, which rebinding cannot do.
    if (isIP(name) === 0 && !access.hosts.has(name)) {
      return { status: 421, message: `This server answers /metrics only when addressed as ${[...access.hosts].join(' or ')} or by IP address, not as ${name}` };
    }
  }
  if (access.tokenHash) {
    const m = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '');
    // Hashing both sides first makes the comparison constant-time whatever the lengths.
    if (!m || !timingSafeEqual(sha256(m[1]!), access.tokenHash)) {
      return { status: 401, message: 'A bearer token is required for /metrics: Authorization: Bearer $PAKYAS_METRICS_TOKEN', headers: { 'www-authenticate': 'Bearer realm="pakyas metrics"' } };
    }
  }
  return null;
}

/** The host name of a Host header (no port, no IPv6 brackets, lowercase), or null when it has none. */
function requestHost(header: string | undefined): string | null {
  if (!header) return null;
  try {
    return hostName(new URL(`http://${header}`).hostname);
  } catch {
    return null;
  }
}

function hostName(name: string): string {
  return name.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
