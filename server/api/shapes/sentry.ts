// Sentry Crons, so that a job using a Sentry SDK or Sentry's check-in URL moves by changing its
// DSN. The DSN's public key is the project's ping key (http://PINGKEY@pakyas.example.com/1); the
// DSN's project id is not read (a ping key names the project).
//   GET|POST /api/{id}/cron/{monitor_slug}/{key}/?status=in_progress|ok|error&check_in_id=…&duration=S
//            (or a JSON body; the key may also come as ?sentry_key= or an X-Sentry-Auth header)
//   POST     /api/{id}/envelope/  what SDKs send: check_in items are read, every other item
//            (errors, transactions, sessions, client reports…) is accepted and dropped.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, type InputType, type ZlibOptions } from 'node:zlib';
import type { ServerDeps } from '../../deps.js';
import { pingKeyFromDsnKey } from '../../core/foreign-ids.js';
import { MAX_SIGNAL_BODY_BYTES as MAX_REQUEST_BODY } from '../../../schema/vocabulary.js';
import { notFound } from './answers.js';
import { EnvelopeError, parseEnvelope } from './envelope.js';
import { recordSignal, takeToken, userAgent } from './record.js';
import { CheckInError, checkInSignal, readCheckIn, suggestJob, type CheckIn } from './sentry-checkin.js';

const AUTH_PARAMS = ['sentry_key', 'sentry_version', 'sentry_client'];
const CHECK_IN_PARAMS = ['status', 'check_in_id', 'duration', 'environment'];
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
/** Decompressed, an envelope may be this big; Pakyas reads only its check-ins. */
const MAX_ENVELOPE = 4 * MAX_REQUEST_BODY;

type DecompressFn = (buf: InputType, options: ZlibOptions) => Promise<Buffer>;
const DECODERS: Record<string, DecompressFn> = {
  gzip: promisify(gunzip) as DecompressFn,
  deflate: promisify(inflate) as DecompressFn,
  br: promisify(brotliDecompress) as DecompressFn,
};

class Refusal extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function handleSentry(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  try {
    const parts = url.pathname.split('/').slice(2); // after /api/
    if (parts.at(-1) === '') parts.pop();
    const [project = '', what = ''] = parts;
    if (!SEGMENT.test(project)) throw new Refusal(404, 'not found: Pakyas serves Sentry\'s /api/{project}/cron/{monitor_slug}/{key}/ and /api/{project}/envelope/');
    if (what === 'envelope' && parts.length === 2) return await envelope(deps, req, res, url);
    if (what === 'cron' && (parts.length === 3 || parts.length === 4)) return await checkIn(deps, req, res, url, parts[2]!, parts[3] ?? null);
    throw new Refusal(404, 'not found: Pakyas serves Sentry\'s /api/{project}/cron/{monitor_slug}/{key}/ and /api/{project}/envelope/');
  } catch (err) {
    if (err instanceof Refusal || err instanceof CheckInError) {
      return answer(res, err.status, { detail: err.message }, err.status === 413 ? { connection: 'close' } : {});
    }
    throw err;
  }
}

async function checkIn(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL, slug: string, pathKey: string | null): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') throw new Refusal(405, 'method not allowed: use GET or POST');
  const q = url.searchParams;
  const json = (req.headers['content-type'] ?? '').startsWith('application/json');
  const accepted = json ? AUTH_PARAMS : [...AUTH_PARAMS, ...CHECK_IN_PARAMS];
  for (const name of q.keys()) {
    if (!accepted.includes(name)) throw new Refusal(400, `unknown parameter '${name.slice(0, 40)}': Pakyas reads ${accepted.join(', ')}${json ? ' (the check-in itself is the JSON body)' : ''}; nothing was recorded`);
  }
  const key = pathKey !== null ? pingKeyFromDsnKey(pathKey) : authKey(req, url, null);
  const body = await readRaw(req, MAX_REQUEST_BODY);
  let fields: Record<string, unknown>;
  if (json) {
    fields = jsonObject(body, 'the check-in');
  } else {
    fields = {};
    for (const name of CHECK_IN_PARAMS) if (q.has(name)) fields[name] = q.get(name);
  }
  const c = readCheckIn(fields, slug.toLowerCase());
  await limit(deps, key);
  await record(deps, key, c, req);
  answer(res, 202, null);
}

async function envelope(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'POST') throw new Refusal(405, 'method not allowed: envelopes are POSTed');
  const raw = await readRaw(req, MAX_REQUEST_BODY);
  const data = await decode(raw, String(req.headers['content-encoding'] ?? 'identity').toLowerCase());
  let env;
  try {
    env = parseEnvelope(data);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new Refusal(400, `bad envelope: ${err.message}`);
    throw err;
  }
  const checkIns: CheckIn[] = env.items.filter((i) => i.type === 'check_in').map((i) => readCheckIn(jsonObject(i.payload, 'a check_in item'), null));
  // Only check-ins are Pakyas's business; an envelope of nothing else is taken without a lookup.
  if (checkIns.length > 0) {
    const key = authKey(req, url, typeof env.headers.dsn === 'string' ? env.headers.dsn : null);
    await limit(deps, key);
    for (const c of checkIns) await record(deps, key, c, req);
  }
  answer(res, 200, {});
}

async function record(deps: ServerDeps, key: string, c: CheckIn, req: IncomingMessage): Promise<void> {
  const recorded = await recordSignal(deps, checkInSignal(c, key, userAgent(req.headers)));
  if (recorded.kind === 'unavailable') throw new Refusal(503, 'Pakyas cannot store check-ins right now; retry shortly');
  if (recorded.kind === 'not_found') throw new Refusal(404, `${notFound(c.job)}, e.g. ${suggestJob(c.job, c.monitorConfig)} (Pakyas never creates a job from monitor_config)`);
}

async function limit(deps: ServerDeps, key: string): Promise<void> {
  const allowed = takeToken(deps, key);
  if (!allowed.ok) throw new Refusal(429, `too many check-ins for this key; retry in ${allowed.retryAfter}s`);
}

/** The DSN's public key: ?sentry_key=, X-Sentry-Auth (or Authorization: Sentry …), or the envelope's dsn. */
function authKey(req: IncomingMessage, url: URL, dsn: string | null): string {
  const fromQuery = url.searchParams.get('sentry_key');
  const header = req.headers['x-sentry-auth'] ?? req.headers.authorization;
  const fromHeader = typeof header === 'string' ? /(?:^|[\s,])sentry_key\s*=\s*([^,\s]+)/.exec(header)?.[1] ?? null : null;
  let fromDsn: string | null = null;
  if (dsn !== null) {
    try {
      fromDsn = new URL(dsn).username || null;
    } catch {
      fromDsn = null;
    }
  }
  const key = fromQuery ?? fromHeader ?? fromDsn;
  if (!key || key.length > 200) throw new Refusal(401, 'missing authorization: the DSN\'s public key (the project\'s ping key) goes in the URL, ?sentry_key= or X-Sentry-Auth');
  return pingKeyFromDsnKey(key);
}

async function readRaw(req: IncomingMessage, max: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > max) throw new Refusal(413, `body too large: at most ${max} bytes are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Refusal(413, `body too large: at most ${max} bytes are accepted`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function decode(raw: Buffer, encoding: string): Promise<Buffer> {
  if (encoding === 'identity' || encoding === '') return raw;
  const decoder = DECODERS[encoding];
  if (!decoder) throw new Refusal(415, `content-encoding '${encoding.slice(0, 20)}' is not read: send gzip, deflate, br or none`);
  try {
    // maxOutputLength stops a small compressed body from expanding without bound.
    return await decoder(raw, { maxOutputLength: MAX_ENVELOPE });
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/.test((err as Error).message);
    throw new Refusal(tooBig ? 413 : 400, tooBig ? `envelope too large: at most ${MAX_ENVELOPE} bytes decompressed` : `the body is not valid ${encoding}`);
  }
}

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Refusal(400, `${what} is not JSON; nothing was recorded`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Refusal(400, `${what} is not a JSON object; nothing was recorded`);
  return value as Record<string, unknown>;
}

function answer(res: ServerResponse, status: number, body: object | null, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(body === null ? undefined : JSON.stringify(body));
}
