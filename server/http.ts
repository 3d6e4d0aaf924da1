// One port for everything: tRPC for the CLI and dashboard, the ping endpoints for jobs, health and
// metrics for operators.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Principal } from './auth.js';
import { STATUSES } from '../schema/vocabulary.js';
import { MAX_API_BODY, MAX_BATCH_CALLS, MAX_READ_ONLY_BODY } from './api/limits.js';
import { handlePing } from './api/ping.js';
import { handleCronitorPing } from './api/shapes/cronitor.js';
import { handleSentry } from './api/shapes/sentry.js';
import { handlePingKeyLookup } from './api/ping-key-lookup.js';
import { appRouter } from './api/router.js';
import { pingDatabase } from './db/health.js';
import { listJobStatuses } from './db/jobs.js';
import { isUnavailable } from './db/port.js';
import type { ServerDeps } from './deps.js';
import { createDownloads, type Downloads } from './downloads.js';
import { renderMetrics } from './metrics.js';
import { refuseMetrics, type MetricsAccess } from './metrics-access.js';
import { createWebView, type WebView } from './web.js';

/**
 * On every answer: nothing Pakyas sends may run as a page, be framed, or be sniffed into
 * something else, and no URL (a ping key is in the path) leaks through Referer. The web view's own
 * page and assets loosen the policy for themselves, deliberately (web.ts).
 */
const SECURITY_HEADERS: Array<[string, string]> = [
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
];

export function createHttpServer(deps: ServerDeps, metricsAccess: MetricsAccess = { tokenHash: null, hosts: null }, downloads: Downloads = createDownloads(), web: WebView = createWebView(deps)): Server {
  // The token is looked up before tRPC reads the body, so that a read-only token's request is held
  // to its smaller limit while the body streams in, not after 16 MiB have been parsed.
  const principals = new WeakMap<IncomingMessage, Promise<Principal | null>>();
  const apiHandler = (maxBodySize: number) => createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize,
    maxBatchSize: MAX_BATCH_CALLS,
    createContext: async ({ req }) => ({ deps, principal: await principals.get(req)! }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        deps.metrics.httpErrors++;
        deps.log(`api ${path ?? '?'}: ${isUnavailable(error.cause) ? 'database unavailable' : error.message}`);
      }
    },
  });
  const api = apiHandler(MAX_API_BODY);
  const readOnlyApi = apiHandler(MAX_READ_ONLY_BODY);
  const serveApi = async (req: IncomingMessage, res: ServerResponse) => {
    const principal = web.authenticate(req, res);
    principals.set(req, principal);
    // A lookup that fails (the database is down) fails again in createContext, answered as before.
    const readOnly = await principal.then((p) => p?.read_only === true, () => false);
    await (readOnly ? readOnlyApi : api)(req, res);
  };

  return createServer((req, res) => {
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const done = (err: unknown) => {
      deps.metrics.httpErrors++;
      // Ping keys travel in these paths (a Sentry DSN's key too): never logged.
      deps.log(`${req.method} ${/^\/(?:ping|api|p)\//.test(path) ? `${path.split('/', 2).join('/')}/…` : path}: ${(err as Error).message}`);
      if (!res.headersSent) {
        const unavailable = isUnavailable(err);
        res.writeHead(unavailable ? 503 : 500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(unavailable ? 'Pakyas cannot reach its database right now; retry shortly\n' : 'Internal error\n');
      } else res.end();
    };
    if (path.startsWith('/trpc/')) return void serveApi(req, res).catch(done);
    if (path.startsWith('/ping/')) return void handlePing(deps, req, res, url).catch(done);
    if (path === '/ping-key') return void handlePingKeyLookup(deps, req, res, url).catch(done);
    if (path.startsWith('/api/')) return void handleSentry(deps, req, res, url).catch(done);
    if (path.startsWith('/p/')) return void handleCronitorPing(deps, req, res, url).catch(done);
    if (path === '/healthz') return void healthz(deps, res).catch(done);
    if (downloads.serves(path)) return void downloads.handle(req, res, path).catch(done);
    if (path === '/metrics') {
      const refusal = refuseMetrics(metricsAccess, req.headers);
      if (refusal) {
        res.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8', ...refusal.headers });
        return void res.end(`${refusal.message}\n`);
      }
      return void metrics(deps, res).catch(done);
    }
    const page = web.route(path);
    if (page) return void page(req, res).catch(done);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found. Pakyas serves its web view at /, /ping/{pingKey}/{job}, /trpc, /badge, /healthz, /metrics, /install.sh and /download/.\n');
  });
}

async function healthz(deps: ServerDeps, res: ServerResponse): Promise<void> {
  let database = 'ok';
  try {
    await Promise.race([
      pingDatabase(deps.db),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
    ]);
  } catch {
    database = 'unavailable';
  }
  const ok = database === 'ok';
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: ok ? 'ok' : 'degraded', database, uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) }));
}

async function metrics(deps: ServerDeps, res: ServerResponse): Promise<void> {
  const jobs = await listJobStatuses(deps.db);
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(renderMetrics(deps.metrics, jobs, STATUSES));
}
