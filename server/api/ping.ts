// The plain HTTP signal endpoints, for curl from anywhere a job runs (SPEC §6):
//   POST|GET|HEAD /ping/{pingKey}/{job}[/start|/fail|/log|/success|/{exitCode}]
//   ?rid=UUID  ?duration_ms=N  ?host=NAME  ?ts=ISO-or-epoch-ms (a replayed signal, at most 24 h old)
// The request body is the tail of the job's output.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isName, KEPT_OUTPUT_BYTES, MAX_REPLAY_AGE_MS, MAX_SIGNAL_BODY_BYTES, UUID_PATTERN } from '../../schema/vocabulary.js';
import { isUnavailable } from '../db/port.js';
import type { ServerDeps } from '../deps.js';
import type { IncomingSignal } from '../signals.js';
import { createRefused, notFound } from './shapes/answers.js';
import { otherShape } from './shapes/index.js';
import { unknownJobText } from './job-ref.js';

const ACCEPTED = ['rid', 'duration_ms', 'host', 'ts'];
const ACCEPTED_ON_FAIL = [...ACCEPTED, 'exit_code'];

export class BadRequest extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function handlePing(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  // Healthchecks' /ping/{uuid}… and Cronitor's ?state=… have their own readers (api/shapes/).
  const shaped = otherShape(url);
  if (shaped) return shaped(deps, req, res, url);
  if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
    return reply(res, 405, 'Method not allowed: use GET, POST or HEAD\n', { allow: 'GET, POST, HEAD' });
  }
  const key = url.pathname.split('/')[2] ?? '';
  const allowed = deps.pingLimiter.take(key);
  if (!allowed.ok) {
    return reply(res, 429, `Too many signals for this ping key; retry in ${allowed.retryAfter}s\n`, { 'retry-after': String(allowed.retryAfter) });
  }
  let signal: IncomingSignal;
  try {
    signal = await parseSignal(req, url);
  } catch (err) {
    if (err instanceof BadRequest) return reply(res, err.status, `${err.message}\n`, err.status === 413 ? { connection: 'close' } : {});
    throw err;
  }
  try {
    const outcome = await deps.signals.record(signal);
    if (!outcome.ok) return reply(res, 404, await unknownJobText(deps.db, signal.pingKey, signal.job));
    deps.metrics.countSignal(signal.kind);
    reply(res, 200, outcome.judged ? 'OK\n' : 'OK (recorded; the job is paused)\n');
  } catch (err) {
    if (isUnavailable(err)) {
      reply(res, 503, 'Pakyas cannot store signals right now; retry shortly\n', { 'retry-after': '5' });
      return;
    }
    throw err;
  }
}

async function parseSignal(req: IncomingMessage, url: URL): Promise<IncomingSignal> {
  const parts = url.pathname.split('/').slice(2); // after /ping/
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new BadRequest(404, 'Not found: signal URLs are /ping/{pingKey}/{job}[/start|/fail|/log|/{exitCode}]');
  }
  const [pingKey, job, action = 'success'] = parts as [string, string, string?];
  if (pingKey.length > 200 || !isName(job)) throw new BadRequest(404, notFound(job));

  let kind: IncomingSignal['kind'];
  let exitCode: number | null = null;
  if (action === 'start' || action === 'fail' || action === 'log' || action === 'success') {
    kind = action;
  } else if (/^\d{1,3}$/.test(action) && Number(action) <= 255) {
    exitCode = Number(action);
    kind = exitCode === 0 ? 'success' : 'fail';
  } else {
    throw new BadRequest(400, `Bad signal '${action}': use start, fail, log, success, or an exit code from 0 to 255`);
  }
  const q = url.searchParams;
  // A parameter this endpoint does not read is refused, never ignored: `?state=fail` (Cronitor's
  // shape) or `?status=error` (Sentry's) ignored would record a failed run as a success.
  const accepted = action === 'fail' ? ACCEPTED_ON_FAIL : ACCEPTED;
  if (q.has('create')) throw new BadRequest(400, createRefused(job));
  for (const name of q.keys()) {
    if (!accepted.includes(name)) {
      const hint = name === 'exit_code' ? '; an exit code goes in the path, /ping/{pingKey}/{job}/{exitCode}, or with /fail' : '';
      throw new BadRequest(400, `Unknown parameter '${name.slice(0, 40)}': this endpoint reads ${accepted.join(', ')}${hint}; nothing was recorded`);
    }
  }
  if (kind === 'fail' && exitCode === null && q.has('exit_code')) {
    const code = q.get('exit_code')!;
    if (!/^\d{1,3}$/.test(code) || Number(code) > 255) throw new BadRequest(400, `Bad exit_code '${code}': use a whole number from 0 to 255`);
    exitCode = Number(code);
  }
  const rid = q.get('rid');
  if (rid !== null && !UUID_PATTERN.test(rid)) throw new BadRequest(400, `Bad rid '${rid.slice(0, 60)}': a run id is a UUID, like 2f1c7c1e-8a0e-4d0e-9a3c-0b1f0c2d3e4f`);
  const duration = q.get('duration_ms');
  if (duration !== null && (!/^\d{1,10}$/.test(duration))) throw new BadRequest(400, `Bad duration_ms '${duration.slice(0, 30)}': use whole milliseconds`);
  const host = q.get('host');
  if (host !== null && host.length > 255) throw new BadRequest(400, 'Bad host: at most 255 characters');
  // The other parameters are checked against patterns that leave no room for one.
  if (host?.includes('\u0000')) throw new BadRequest(400, 'Bad host: it contains a NUL character (\\u0000), which Pakyas cannot store');

  let occurredAt: number | null = null;
  const ts = q.get('ts');
  if (ts !== null) {
    const t = /^\d{10,16}$/.test(ts) ? Number(ts) : Date.parse(ts);
    if (Number.isNaN(t)) throw new BadRequest(400, `Bad ts '${ts.slice(0, 40)}': use ISO-8601 or epoch milliseconds`);
    const now = Date.now();
    if (now - t > MAX_REPLAY_AGE_MS) throw new BadRequest(400, `Replayed signal from ${new Date(t).toISOString()} is older than 24 hours and cannot be judged`);
    // A sender's clock running ahead cannot place a signal in the future: the server's clock decides.
    occurredAt = Math.min(t, now);
  }

  const { body, cut } = await readBody(req);
  return {
    pingKey, job, kind, exitCode, rid, host,
    durationMs: duration !== null ? Number(duration) : null,
    userAgent: (req.headers['user-agent'] ?? '').slice(0, 300) || null,
    body, bodyCutBytes: cut, occurredAt,
  };
}

/**
 * The last KEPT_OUTPUT_BYTES bytes of the body, cut at a character boundary, and how many bytes were cut:
 * the end of the output is what explains a failure.
 */
export async function readBody(req: IncomingMessage): Promise<{ body: string | null; cut: number }> {
  const declared = Number(req.headers['content-length'] ?? 0);
  // Most signals carry no body: nothing to wait for (Node discards an unread empty body itself).
  if (declared === 0 && req.headers['transfer-encoding'] === undefined) return { body: null, cut: 0 };
  if (declared > MAX_SIGNAL_BODY_BYTES) throw new BadRequest(413, `Body too large: at most ${MAX_SIGNAL_BODY_BYTES} bytes are accepted, and the last ${KEPT_OUTPUT_BYTES} are kept`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_SIGNAL_BODY_BYTES) throw new BadRequest(413, `Body too large: at most ${MAX_SIGNAL_BODY_BYTES} bytes are accepted, and the last ${KEPT_OUTPUT_BYTES} are kept`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return { body: null, cut: 0 };
  let buf = Buffer.concat(chunks);
  let cut = 0;
  if (buf.length > KEPT_OUTPUT_BYTES) {
    cut = buf.length - KEPT_OUTPUT_BYTES;
    // Skip UTF-8 continuation bytes so the kept tail starts on a whole character.
    while (cut < buf.length && (buf[cut]! & 0xc0) === 0x80) cut++;
    buf = buf.subarray(cut);
  }
  // NUL bytes are not storable in Postgres text; invalid UTF-8 becomes U+FFFD.
  return { body: buf.toString('utf8').replace(/\u0000/g, '\uFFFD'), cut };
}

function reply(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  // With its length, the answer goes out whole in one write, not chunked.
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}
