// The CLI's single-file binaries, for hosts that report to this server (air-gapped networks have no
// other source): /download/pakyas-linux-x64, /download/pakyas-linux-arm64, /download/SHA256SUMS and
// /install.sh, which fetches and verifies them. Public, like the binaries themselves: no token.
//
// Only those names are served, looked up in a fixed table: no part of a request's path ever
// becomes part of a file's path, so no spelling of `..` can reach another file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, join } from 'node:path';
import sea from 'node:sea';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { installScript } from './install-script.js';

export const BINARIES = ['pakyas-linux-x64', 'pakyas-linux-arm64'] as const;

/** Binary downloads served at once; past this, 503 (each is over 100 MiB). */
const MAX_CONCURRENT_DOWNLOADS = 16;

export interface DownloadsOptions {
  /** Where pakyas-linux-x64 and -arm64 are (--downloads, PAKYAS_DOWNLOADS_DIR). */
  dir?: string;
  /** The URL users reach the server by (PAKYAS_PUBLIC_URL): install.sh downloads from there. */
  publicUrl?: string;
}

export interface Downloads {
  /** Whether this path is one of these routes. */
  serves(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

/**
 * Without a directory: the binaries built beside the code (dist/, by npm run build:binary); in the
 * binary itself, the running executable for its own architecture, so a server run from the binary
 * hands out the very file it runs from.
 */
function defaultFiles(): Record<string, string> {
  if (sea.isSea()) return { [`pakyas-linux-${process.arch}`]: process.execPath };
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled, this file is dist/server/downloads.js; under the test runner, server/downloads.ts.
  const dist = basename(dirname(here)) === 'dist' ? dirname(here) : join(dirname(here), 'dist');
  return Object.fromEntries(BINARIES.map((name) => [name, join(dist, name)]));
}

export function createDownloads(options: DownloadsOptions = {}): Downloads {
  const files: Record<string, string> = options.dir
    ? Object.fromEntries(BINARIES.map((name) => [name, join(options.dir!, name)]))
    : defaultFiles();
  const sums = new Map<string, { key: string; sum: Promise<string> }>();
  let active = 0;

  /** The binaries present now, with their size; checked per request, so a build appears at once. */
  const present = async () => {
    const found: Array<{ name: string; path: string; size: number; key: string }> = [];
    for (const name of BINARIES) {
      const path = files[name];
      if (!path) continue;
      const s = await stat(path).catch(() => null);
      if (s?.isFile()) found.push({ name, path, size: s.size, key: `${s.size}:${s.mtimeMs}` });
    }
    return found;
  };
  // Hashed on first request and again only when the file changes: over 100 MiB each.
  const sha256 = (f: { name: string; path: string; key: string }) => {
    let entry = sums.get(f.name);
    if (!entry || entry.key !== f.key) {
      entry = { key: f.key, sum: hashFile(f.path) };
      entry.sum.catch(() => sums.delete(f.name));
      sums.set(f.name, entry);
    }
    return entry.sum;
  };

  return {
    serves: (path) => path === '/install.sh' || path === '/download' || path.startsWith('/download/'),
    async handle(req, res, path) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return text(res, 405, 'Method not allowed: use GET or HEAD\n', { allow: 'GET, HEAD' });
      }
      if (path === '/install.sh') {
        const base = serverUrl(options.publicUrl, req.headers.host);
        if (base === null) return text(res, 400, 'install.sh needs the URL hosts reach this server by: send a Host header of a host name or address, or set PAKYAS_PUBLIC_URL on the server (letters, digits and - . _ ~ / in its path)\n');
        return text(res, 200, installScript(base), { 'content-disposition': 'inline; filename="install.sh"' });
      }
      const name = path.slice('/download/'.length);
      const binaries = await present();
      if (name === 'SHA256SUMS') {
        if (binaries.length === 0) {
          return text(res, 404, 'This server has no pakyas binaries to hand out: build them with `npm run build:binary`, or start the server with --downloads DIR\n');
        }
        const lines = await Promise.all(binaries.map(async (f) => `${await sha256(f)}  ${f.name}\n`));
        return text(res, 200, lines.join(''));
      }
      const file = binaries.find((f) => f.name === name);
      if (!file) {
        return text(res, 404, `Not found. This server hands out /install.sh, /download/SHA256SUMS${binaries.map((f) => `, /download/${f.name}`).join('')}\n`);
      }
      if (active >= MAX_CONCURRENT_DOWNLOADS) return text(res, 503, 'Too many downloads at once; retry shortly\n', { 'retry-after': '5' });
      active++;
      try {
        res.writeHead(200, {
          'content-type': 'application/octet-stream', 'content-length': String(file.size),
          'content-disposition': `attachment; filename="${file.name}"`, 'cache-control': 'no-cache',
        });
        if (req.method === 'HEAD') return void res.end();
        // A file replaced while it is sent is cut short (its new size differs): the checksum in
        // install.sh refuses what arrives, rather than this server sending half of each.
        await pipeline(createReadStream(file.path, { start: 0, end: file.size - 1 }), res).catch(() => res.destroy());
      } finally {
        active--;
      }
    },
  };
}

/**
 * The URL install.sh downloads from: PAKYAS_PUBLIC_URL, else this request's Host over http. It is
 * written into a shell script, so only characters that a URL's host needs are let through.
 */
export function serverUrl(publicUrl: string | undefined, host: string | undefined): string | null {
  if (publicUrl) {
    const u = new URL(publicUrl);
    const url = `${u.protocol}//${u.host}${u.pathname}`.replace(/\/+$/, '');
    return /^https?:\/\/[A-Za-z0-9.\-[\]:]+(\/[A-Za-z0-9._~\-/]*)?$/.test(url) ? url : null;
  }
  if (!host || !/^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host)) return null;
  return `http://${host}`;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function text(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
