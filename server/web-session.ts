// Sessions for the web view. A person pastes a token once; the server then keeps a session whose
// cookie is HttpOnly (page scripts cannot read it), SameSite=Strict (other sites' pages do not send
// it) and Secure behind HTTPS. A cookie is accepted only from this server's own pages: SameSite
// treats every port of a host as one site, so the Origin and Sec-Fetch-Site headers are checked
// too, and a request that changes anything must carry a matching Origin (docs/web.md).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { authenticate, TOKEN_RECHECK_MS, type Principal } from './auth.js';
import { RateLimiter } from './api/rate-limit.js';
import { deleteSession, extendSession, findSessionToken, insertSession, liveSessions, SESSION_MAX_DAYS } from './db/sessions.js';
import type { ServerDeps } from './deps.js';

export const SESSION_COOKIE = 'pakyas_session';
/** Sign-in attempts per client address: a burst of 10, then one every 6 seconds. */
export const SIGN_IN_BURST = 10;
const SIGN_IN_PER_SECOND = 1 / 6;
const MAX_SIGN_IN_BODY = 4096;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function cookieValue(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : null;
    }
  }
  return null;
}

/**
 * Whether a request comes from this server's own pages, as far as the browser says. Browsers send
 * Sec-Fetch-Site on every request and Origin on every one that is not a plain same-origin GET.
 * `mutation`: the request changes something, so an Origin must be there and match.
 */
export function fromOwnPage(req: IncomingMessage, publicOrigin: string | null, mutation: boolean): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return !mutation;
  if (publicOrigin !== null && origin === publicOrigin) return true;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === req.headers.host;
  } catch {
    return false;
  }
}

export class WebSessions {
  private readonly limiter = new RateLimiter(SIGN_IN_PER_SECOND, SIGN_IN_BURST);
  private readonly publicOrigin: string | null;
  /** Open requests made with a session (live streams), ended when their session ends. */
  private readonly open = new Map<string, Set<ServerResponse>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ServerDeps, private readonly publicUrl: string | undefined) {
    this.publicOrigin = publicUrl ? new URL(publicUrl).origin : null;
  }

  /** The token behind the request's session cookie, if the cookie came from this server's pages. */
  async principal(req: IncomingMessage, res: ServerResponse): Promise<Principal | null> {
    const value = cookieValue(req);
    if (value === null || !fromOwnPage(req, this.publicOrigin, req.method !== 'GET' && req.method !== 'HEAD')) return null;
    const hash = sha256(value);
    const token = await findSessionToken(this.deps.db, hash);
    if (!token) return null;
    void extendSession(this.deps.db, hash).catch(() => undefined);
    this.track(hash, res);
    const { expires_at: _, ...principal } = token;
    return principal;
  }

  async signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const limited = this.limiter.take(req.socket.remoteAddress ?? '?');
    if (!limited.ok) {
      return json(res, 429, { error: `Too many sign-in attempts from this address; try again in ${limited.retryAfter} s` }, { 'retry-after': String(limited.retryAfter) });
    }
    if (!fromOwnPage(req, this.publicOrigin, true)) return json(res, 403, { error: 'Sign in from the Pakyas page itself' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return json(res, 415, { error: 'Send the token as JSON: {"token": "…"}' });
    const body = await readBody(req, MAX_SIGN_IN_BODY);
    if (body === null) return json(res, 413, { error: `A sign-in request is at most ${MAX_SIGN_IN_BODY} bytes` });
    let token: unknown;
    try { token = (JSON.parse(body) as { token?: unknown }).token; } catch { /* said below */ }
    if (typeof token !== 'string') return json(res, 400, { error: 'Send the token as JSON: {"token": "…"}' });
    const principal = await authenticate(this.deps.db, `Bearer ${token.trim()}`);
    if (!principal) return json(res, 401, { error: 'This server does not know that token: it may be mistyped, revoked, or for another server' });
    const value = randomBytes(32).toString('base64url');
    await insertSession(this.deps.db, sha256(value), principal.id);
    const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_MAX_DAYS * 86400}`, ...(this.secure(req) ? ['Secure'] : [])];
    return json(res, 200, whoami(principal), { 'set-cookie': `${SESSION_COOKIE}=${value}; ${attributes.join('; ')}` });
  }

  async signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!fromOwnPage(req, this.publicOrigin, true)) return json(res, 403, { error: 'Sign out from the Pakyas page itself' });
    const value = cookieValue(req);
    if (value !== null) {
      const hash = sha256(value);
      await deleteSession(this.deps.db, hash);
      this.end(hash);
    }
    const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=0', ...(this.secure(req) ? ['Secure'] : [])];
    return json(res, 200, { signedIn: false }, { 'set-cookie': `${SESSION_COOKIE}=; ${attributes.join('; ')}` });
  }

  async whoami(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const principal = await this.principal(req, res);
    // 200 either way: being signed out is an answer, not an error in the browser's console.
    return json(res, 200, principal ? whoami(principal) : { signedIn: false });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Behind HTTPS (directly, or a proxy that says so, or a public URL that is https) the cookie is Secure. */
  private secure(req: IncomingMessage): boolean {
    return (req.socket as TLSSocket).encrypted === true || req.headers['x-forwarded-proto'] === 'https'
      || this.publicUrl?.startsWith('https:') === true;
  }

  private track(hash: string, res: ServerResponse): void {
    let set = this.open.get(hash);
    if (!set) this.open.set(hash, set = new Set());
    set.add(res);
    res.once('close', () => {
      set.delete(res);
      if (set.size === 0 && this.open.get(hash) === set) this.open.delete(hash);
    });
    // A session ends by signing out (maybe on another server) or by expiring: streams that
    // outlive their request are cut within this long, as revoked tokens' are.
    this.timer ??= setInterval(() => void this.sweep(), TOKEN_RECHECK_MS);
  }

  private async sweep(): Promise<void> {
    if (this.open.size === 0) return this.close();
    const live = await liveSessions(this.deps.db, [...this.open.keys()]).catch(() => null);
    if (live) for (const hash of [...this.open.keys()]) if (!live.has(hash)) this.end(hash);
  }

  private end(hash: string): void {
    for (const res of this.open.get(hash) ?? []) res.destroy();
    this.open.delete(hash);
  }
}

function whoami(p: Principal) {
  return { signedIn: true, token: p.name, project: p.project, readOnly: p.read_only, admin: p.admin };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** The body as text, or null past `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
