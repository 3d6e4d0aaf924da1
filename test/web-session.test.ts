import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { WEB_CSP } from '../server/web.js';
import { ADMIN, adminClient, applyNewProject, backends, cleanUp, eventually, hourlyJob, startTestServer } from './helpers/server.js';

// Sessions of the web view over plain HTTP, as a browser would send them and as an attacker's page
// would: the cookie's attributes, the Origin and Sec-Fetch-Site rules, sign-out, revocation, the
// sign-in limit, and how the app's files are served.
describe.each(backends)('web sessions, on %s', (backend) => {
  let server: RunningServer;
  let origin: string;
  let project: string;
  let readOnly: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    origin = server.url;
    ({ project } = await applyNewProject(server, { jobs: [hourlyJob('a')] }));
    readOnly = (await adminClient(server).tokens.create.mutate({ project, readOnly: true, name: 'viewer' })).token;
  });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const signIn = (token: string, headers: Record<string, string> = { origin: server.url }) => fetch(`${server.url}/web/session`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }),
  });
  const cookieOf = (res: Response) => /^pakyas_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? null;
  const session = async (token = readOnly) => `pakyas_session=${cookieOf(await signIn(token))}`;

  it('signs in with a token in a POST body and answers with an HttpOnly, SameSite=Strict cookie (Secure behind HTTPS)', async () => {
    const res = await signIn(readOnly);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ signedIn: true, token: 'viewer', project, readOnly: true, admin: false });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^pakyas_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=604800$/);
    const behindTls = await signIn(readOnly, { origin: server.url, 'x-forwarded-proto': 'https' });
    expect(behindTls.headers.get('set-cookie')).toMatch(/; Secure$/);
    const who = await fetch(`${server.url}/web/session`, { headers: { cookie: `pakyas_session=${cookieOf(res)}` } });
    expect(await who.json()).toMatchObject({ signedIn: true, token: 'viewer' });
  });

  it('refuses a sign-in from another page, without JSON, or with a token it does not know', async () => {
    expect((await signIn(readOnly, {})).status).toBe(403); // no Origin: not from a page
    expect((await signIn(readOnly, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await signIn(readOnly, { origin, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    const form = await fetch(`${server.url}/web/session`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${readOnly}` });
    expect(form.status).toBe(415);
    const wrong = await signIn('pky_not-a-token-at-all');
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toMatch(/does not know that token/);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('lets the API be called with the cookie from its own page only', async () => {
    const cookie = await session(ADMIN);
    const list = (headers: Record<string, string>) => fetch(`${server.url}/trpc/jobs.list`, { headers: { cookie, ...headers } }).then((r) => r.status);
    expect(await list({})).toBe(200); // a same-origin GET carries no Origin
    expect(await list({ 'sec-fetch-site': 'same-origin' })).toBe(200);
    expect(await list({ 'sec-fetch-site': 'same-site' })).toBe(401); // another port of this host
    expect(await list({ 'sec-fetch-site': 'cross-site' })).toBe(401);
    expect(await list({ origin: 'http://127.0.0.1:1' })).toBe(401);
    const pause = (headers: Record<string, string>) => fetch(`${server.url}/trpc/jobs.pause`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ project, job: 'a' }),
    }).then((r) => r.status);
    expect(await pause({})).toBe(401); // a change needs an Origin that matches
    expect(await pause({ origin: 'http://127.0.0.1:1' })).toBe(401);
    expect(await pause({ origin: 'null' })).toBe(401);
    expect((await adminClient(server).jobs.get.query({ project, job: 'a' })).state).toBe('pending');
    expect(await pause({ origin, 'sec-fetch-site': 'same-origin' })).toBe(200);
    expect((await adminClient(server).jobs.get.query({ project, job: 'a' })).state).toBe('paused');
    await adminClient(server).jobs.resume.mutate({ project, job: 'a' });
  });

  it('signs out: the session is gone, its live stream ends, and the cookie is cleared', async () => {
    const cookie = await session();
    const stream = await fetch(`${server.url}/trpc/jobs.changes`, { headers: { cookie, accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    expect((await fetch(`${server.url}/web/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(403); // no Origin
    const out = await fetch(`${server.url}/web/session`, { method: 'DELETE', headers: { cookie, origin } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^pakyas_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0$/);
    expect((await fetch(`${server.url}/trpc/jobs.list`, { headers: { cookie } })).status).toBe(401);
    expect(await (await fetch(`${server.url}/web/session`, { headers: { cookie } })).json()).toEqual({ signedIn: false });
    await eventually(async () => {
      for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return true;
    }, 3000);
  });

  it('ends the sessions of a revoked token', async () => {
    const { id, token } = await adminClient(server).tokens.create.mutate({ project, readOnly: true, name: 'short-lived' });
    const cookie = await session(token);
    expect((await fetch(`${server.url}/trpc/jobs.list`, { headers: { cookie } })).status).toBe(200);
    await adminClient(server).tokens.revoke.mutate({ id });
    expect((await fetch(`${server.url}/trpc/jobs.list`, { headers: { cookie } })).status).toBe(401);
  });

  it('serves the app: its page revalidated under a strict CSP, its hashed files kept for a year, compressed', async () => {
    for (const path of ['/', `/jobs/${project}/a`, '/?state=failed&tag=db']) {
      const page = await fetch(`${server.url}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toBe(WEB_CSP);
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await page.text();
      expect(html).not.toMatch(/<script>|<script [^>]*>[^<]|style=/); // no inline script or style
      const again = await fetch(`${server.url}${path}`, { headers: { 'if-none-match': page.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    const html = await (await fetch(`${server.url}/`)).text();
    const js = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${js}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect((await fetch(`${server.url}/assets/app-NOPE.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/`, { method: 'POST' })).status).toBe(405);
  });

  it('limits sign-in attempts from one address: 10, then one every 6 seconds', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 12; i++) answers.push((await signIn('pky_wrong-token-guess')).status);
    expect(answers.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    const limited = await signIn(readOnly);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await limited.json()).error).toMatch(/Too many sign-in attempts/);
  });
});
