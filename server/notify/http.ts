// One POST with a deadline, and what its answer means for retrying. node:http rather than fetch so
// that the connection's own DNS lookup can refuse private addresses (guard.ts). Redirects are not
// followed: a public URL that redirects to 127.0.0.1 would otherwise walk past the guard.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, PrivateTargetError } from './guard.js';
import type { SendContext, SendResult } from './message.js';

export async function post(url: string, body: string, headers: Record<string, string>, ctx: SendContext): Promise<SendResult> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { ok: false, error: 'the URL is not valid', retryable: false };
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return { ok: false, error: 'the URL is not http:// or https://', retryable: false };
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!ctx.allowPrivate && isIP(literal) && isPrivateAddress(literal)) return failure(new PrivateTargetError(), ctx.timeoutMs);
  try {
    const res = await send(target, body, { 'user-agent': 'pakyas-alerts', ...headers }, ctx);
    if (res.status >= 200 && res.status < 300) return { ok: true };
    if (res.status >= 300 && res.status < 400) return { ok: false, error: `HTTP ${res.status}: the receiver redirects, and alerts do not follow redirects; use the final URL`, retryable: false };
    // The receiver is there but refuses: retrying helps for throttling and its own failures only.
    return { ok: false, error: `HTTP ${res.status}`, retryable: res.status >= 500 || res.status === 429 || res.status === 408 };
  } catch (err) {
    return failure(err, ctx.timeoutMs);
  }
}

function send(url: URL, body: string, headers: Record<string, string>, ctx: SendContext): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ...(ctx.allowPrivate ? {} : { lookup: guardedLookup }),
    }, (res: IncomingMessage) => {
      // Read the answer to its end (or the deadline) so that the connection can be reused.
      res.on('data', () => {});
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    // The attempt's one deadline (alerts.ts sendWithin), connection to last byte, ends the request.
    const onAbort = () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT_ATTEMPT' }));
    if (ctx.signal.aborted) onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', reject);
    req.on('close', () => ctx.signal.removeEventListener('abort', onAbort));
    req.end(body);
  });
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

/**
 * What kind of failure it was, in words: refused, timeout, DNS, TLS, blocked target. Built from
 * error codes only, never from an error's message, which can quote the URL with its credentials.
 */
export function failure(err: unknown, timeoutMs: number): { ok: false; error: string; retryable: boolean } {
  const e = err as { code?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  if (err instanceof PrivateTargetError) return { ok: false, error: `refused: ${err.message}`, retryable: false };
  if (code === 'ETIMEDOUT_ATTEMPT' || code === 'ETIMEDOUT' || code === 'ETIMEOUT') return { ok: false, error: `timeout: no answer within ${timeoutMs / 1000}s`, retryable: true };
  if (code === 'ECONNREFUSED') return { ok: false, error: 'connection refused', retryable: true };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { ok: false, error: 'connection reset', retryable: true };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') return { ok: false, error: 'DNS: the host name does not resolve', retryable: true };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { ok: false, error: 'network unreachable', retryable: true };
  if (TLS_CODES.test(code)) return { ok: false, error: `TLS: ${code}`, retryable: true };
  return { ok: false, error: code ? `network error ${code.slice(0, 40)}` : 'network error', retryable: true };
}

export function setting(settings: Record<string, string | string[]>, key: string): string {
  const v = settings[key];
  return Array.isArray(v) ? v.join(',') : v ?? '';
}
