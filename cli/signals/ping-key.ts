// The ping key for a host that has an API token but not the key: asked of the server once
// (GET /ping-key, plain node:http like the signals themselves) and kept on disk beside the spool,
// so that later runs need no extra round trip and still work while the server is away.
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spoolDir } from './spool.js';

export interface KeyRef { project?: string | undefined; job: string }

export type KeyLookup =
  | { ok: true; pingKey: string; project: string; cached: boolean }
  | { ok: false; message: string; retryable: boolean };

export function keyCacheDir(): string {
  return join(spoolDir(), '..', 'ping-keys');
}

/**
 * The cache entry's name: a hash of the server, the token and the job asked for. The token itself
 * is never written down; a spooled signal that still needs its key names this entry.
 */
export function keyCacheId(server: string, token: string, ref: KeyRef): string {
  return createHash('sha256').update(`${server}\n${token}\n${ref.project ?? ''}\n${ref.job}`).digest('hex').slice(0, 40);
}

export async function cachedKey(id: string): Promise<{ pingKey: string; project: string } | null> {
  try {
    const v = JSON.parse(await readFile(join(keyCacheDir(), `${id}.json`), 'utf8')) as { pingKey?: unknown; project?: unknown };
    return typeof v.pingKey === 'string' && typeof v.project === 'string' ? { pingKey: v.pingKey, project: v.project } : null;
  } catch {
    return null;
  }
}

export async function forgetKey(id: string): Promise<void> {
  await unlink(join(keyCacheDir(), `${id}.json`)).catch(() => undefined);
}

async function remember(id: string, value: { pingKey: string; project: string }): Promise<void> {
  const dir = keyCacheDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${id}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, join(dir, `${id}.json`));
}

/** The key from the cache, else from the server (and then cached). */
export async function lookupPingKey(server: string, token: string, ref: KeyRef, timeoutMs: number, fresh = false): Promise<KeyLookup> {
  const id = keyCacheId(server, token, ref);
  if (!fresh) {
    const hit = await cachedKey(id);
    if (hit) return { ok: true, ...hit, cached: true };
  }
  const url = new URL(`${server}/ping-key`);
  url.searchParams.set('job', ref.job);
  if (ref.project !== undefined) url.searchParams.set('project', ref.project);
  const r = await getJson(url, token, timeoutMs);
  if (r.status === 200 && typeof r.body.pingKey === 'string' && typeof r.body.project === 'string') {
    const value = { pingKey: r.body.pingKey, project: r.body.project };
    await remember(id, value).catch(() => undefined);
    return { ok: true, ...value, cached: false };
  }
  if (r.status === null) return { ok: false, message: `cannot reach the Pakyas server at ${server} to get the ping key (${r.error})`, retryable: true };
  const why = typeof r.body.error === 'string' ? r.body.error : `HTTP ${r.status}`;
  if (r.status === 401) return { ok: false, message: `the server at ${server} does not accept this token (PAKYAS_TOKEN or --token), so it gave no ping key`, retryable: false };
  if (r.status === 404 && typeof r.body.error !== 'string') {
    return { ok: false, message: `the server at ${server} cannot look up ping keys (an older version?); set PAKYAS_PING_KEY (\`pakyas apply\` prints it)`, retryable: false };
  }
  return { ok: false, message: `no ping key from the server: ${why}`, retryable: r.status >= 500 };
}

function getJson(url: URL, token: string, timeoutMs: number): Promise<{ status: number | null; body: Record<string, unknown>; error?: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (v: { status: number | null; body: Record<string, unknown>; error?: string }) => { if (!settled) { settled = true; clearTimeout(timer); resolve(v); } };
    const req = request(url, { method: 'GET', headers: { authorization: `Bearer ${token}`, 'user-agent': 'pakyas-cli' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (text.length < 10_000) text += d; });
      res.on('end', () => {
        let body: Record<string, unknown> = {};
        try { body = JSON.parse(text) as Record<string, unknown>; } catch { /* not JSON: an older server's 404 page */ }
        done({ status: res.statusCode ?? 0, body });
      });
      res.on('error', (err) => done({ status: null, body: {}, error: err.message }));
    });
    const timer = setTimeout(() => { req.destroy(); done({ status: null, body: {}, error: `no answer within ${timeoutMs} ms` }); }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ status: null, body: {}, error: err.code ?? err.message }));
    req.end();
  });
}
