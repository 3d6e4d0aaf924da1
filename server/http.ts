// One port for everything: tRPC for the CLI and dashboard, the ping endpoints for jobs, health and
// metrics for operators.
import { createServer, type Server } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { authenticate } from './auth.js';
import { STATUSES } from './core/state.js';
import { handlePing } from './api/ping.js';
import { appRouter } from './api/router.js';
import { listJobStatuses } from './db/jobs.js';
import { isUnavailable } from './db/port.js';
import type { ServerDeps } from './deps.js';
import { renderMetrics } from './metrics.js';

/** Large enough for an apply of 10,000 jobs; anything larger is refused before it is parsed. */
export const MAX_API_BODY = 16 * 1024 * 1024;

export function createHttpServer(deps: ServerDeps): Server {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_API_BODY,
    createContext: async ({ req }) => ({ deps, principal: await authenticate(deps.db, req.headers.authorization) }),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        deps.metrics.httpErrors++;
        deps.log(`api ${path ?? '?'}: ${isUnavailable(error.cause) ? 'database unavailable' : error.message}`);
      }
    },
  });

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const done = (err: unknown) => {
      deps.metrics.httpErrors++;
      deps.log(`${req.method} ${path.startsWith('/ping/') ? '/ping/…' : path}: ${(err as Error).message}`);
      if (!res.headersSent) {
        const unavailable = isUnavailable(err);
        res.writeHead(unavailable ? 503 : 500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(unavailable ? 'Pakyas cannot reach its database right now; retry shortly\n' : 'Internal error\n');
      } else res.end();
    };
    if (path.startsWith('/trpc/')) return void Promise.resolve(trpc(req, res)).catch(done);
    if (path.startsWith('/ping/')) return void handlePing(deps, req, res, url).catch(done);
    if (path === '/healthz') return void healthz(deps, res).catch(done);
    if (path === '/metrics') return void metrics(deps, res).catch(done);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Not found. Pakyas serves /ping/{pingKey}/{job}, /trpc, /healthz and /metrics.\n');
  });
}

async function healthz(deps: ServerDeps, res: import('node:http').ServerResponse): Promise<void> {
  let database = 'ok';
  try {
    await Promise.race([
      deps.db.query('select 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
    ]);
  } catch {
    database = 'unavailable';
  }
  const ok = database === 'ok';
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ status: ok ? 'ok' : 'degraded', database, uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) }));
}

async function metrics(deps: ServerDeps, res: import('node:http').ServerResponse): Promise<void> {
  const jobs = await listJobStatuses(deps.db);
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(renderMetrics(deps.metrics, jobs, STATUSES));
}
