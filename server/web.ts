// The web view on the API's port: the React app built into dist/web (scripts/build-web.mjs),
// sessions for it (web-session.ts), and status badges (badges.ts). The app talks to the same tRPC
// routers as the CLI, with its session cookie instead of a bearer token.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authenticate, type Principal } from './auth.js';
import { handleBadge } from './badges.js';
import type { ServerDeps } from './deps.js';
import { WebSessions } from './web-session.js';

/**
 * For the app's page alone; every other answer keeps `default-src 'none'` (http.ts). Scripts,
 * styles and API calls from this origin only, no inline script or style, nothing framed.
 */
export const WEB_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
  + "manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

interface StaticFile { type: string; body: Buffer; br?: Buffer; gzip?: Buffer; etag: string }

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml',
};

export interface WebView {
  /** Who calls the API: a bearer token, else a session cookie sent by this server's own page. */
  authenticate(req: IncomingMessage, res: ServerResponse): Promise<Principal | null>;
  /** The handler of a path the web view serves, or null. */
  route(path: string): ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null;
  close(): void;
}

export function createWebView(deps: ServerDeps, options: { publicUrl?: string | undefined; dir?: string } = {}): WebView {
  const sessions = new WebSessions(deps, options.publicUrl);
  const files = loadBuild(options.dir ?? builtWebDir());
  const page = async (req: IncomingMessage, res: ServerResponse) => serveStatic(req, res, files?.get('index.html'), 'no-cache', true);
  return {
    authenticate: (req, res) => (req.headers.authorization !== undefined ? authenticate(deps.db, req.headers.authorization) : sessions.principal(req, res)),
    route(path) {
      if (path === '/' || path.startsWith('/jobs/')) return page;
      if (path.startsWith('/assets/')) {
        // Names carry a content hash (the build's), so a file never changes under its name.
        return async (req, res) => serveStatic(req, res, files?.get(path.slice('/assets/'.length)), 'public, max-age=31536000, immutable', false);
      }
      if (path === '/web/session') {
        return async (req, res) => {
          if (req.method === 'POST') return sessions.signIn(req, res);
          if (req.method === 'DELETE') return sessions.signOut(req, res);
          if (req.method === 'GET') return sessions.whoami(req, res);
          res.writeHead(405, { allow: 'GET, POST, DELETE', 'content-type': 'text/plain; charset=utf-8' });
          res.end('GET who is signed in, POST to sign in, DELETE to sign out\n');
        };
      }
      if (path.startsWith('/badge/')) return (req, res) => handleBadge(deps.db, req, res, path);
      return null;
    },
    close: () => sessions.close(),
  };
}

/** dist/web beside the compiled server (dist/server/web.js), or the build's when run from source. */
function builtWebDir(): string {
  const up = dirname(dirname(fileURLToPath(import.meta.url)));
  return basename(up) === 'dist' ? join(up, 'web') : join(up, 'dist', 'web');
}

/** index.html by that name, everything under assets/ by its own; precompressed twins beside each. */
function loadBuild(dir: string): Map<string, StaticFile> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const files = new Map<string, StaticFile>();
  const add = (name: string, path: string) => {
    const ext = /\.[a-z]+$/.exec(name)?.[0] ?? '';
    const body = readFileSync(path);
    const twin = (suffix: string) => (existsSync(path + suffix) ? readFileSync(path + suffix) : undefined);
    files.set(name, { type: TYPES[ext] ?? 'application/octet-stream', body, br: twin('.br'), gzip: twin('.gz'), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  };
  add('index.html', join(dir, 'index.html'));
  const assets = join(dir, 'assets');
  if (existsSync(assets)) for (const name of readdirSync(assets)) if (!/\.(br|gz)$/.test(name)) add(name, join(assets, name));
  return files;
}

function serveStatic(req: IncomingMessage, res: ServerResponse, file: StaticFile | undefined, cache: string, isPage: boolean): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('Method not allowed\n');
  }
  if (!file) {
    res.writeHead(isPage ? 503 : 404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    return void res.end(isPage ? 'The web view is not built: run npm run build\n' : 'Not found\n');
  }
  const headers: Record<string, string> = { 'content-type': file.type, 'cache-control': cache, etag: file.etag, vary: 'accept-encoding' };
  if (isPage) {
    headers['content-security-policy'] = WEB_CSP;
    headers['cross-origin-opener-policy'] = 'same-origin';
  }
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    return void res.end();
  }
  const accepts = String(req.headers['accept-encoding'] ?? '');
  let body = file.body;
  if (file.br && /\bbr\b/.test(accepts)) { body = file.br; headers['content-encoding'] = 'br'; }
  else if (file.gzip && /\bgzip\b/.test(accepts)) { body = file.gzip; headers['content-encoding'] = 'gzip'; }
  headers['content-length'] = String(body.length);
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}
