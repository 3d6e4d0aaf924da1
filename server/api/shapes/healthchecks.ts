// Healthchecks' ping URLs, so that a job that curls Healthchecks moves by changing its base URL:
//   HEAD|GET|POST /ping/{uuid}[/start|/fail|/log|/{exit-status}]  ?rid=UUID
// The UUID is the job's (declared in pakyas.yaml or given at its first apply). Answers are
// Healthchecks' own: "OK", 404 "not found…", 400 "invalid uuid format", CORS open to any origin
// (Healthchecks answers pings from browsers too), and its Ping-Body-Limit header, which runitor
// reads to size the output it sends.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerDeps } from '../../deps.js';
import type { IncomingSignal } from '../../signals.js';
import { findJobByUuid } from '../../db/job-uuids.js';
import { isUnavailable } from '../../db/port.js';
import { UUID_PATTERN } from '../../core/foreign-ids.js';
import { KEPT_OUTPUT_BYTES } from '../../../schema/vocabulary.js';
import { BadRequest, readBody } from '../ping.js';
import { createRefused, unknownParameter } from './answers.js';
import { recordSignal, takeToken, userAgent } from './record.js';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'X-Api-Key',
  'access-control-allow-methods': 'GET, POST, HEAD, OPTIONS',
  'access-control-max-age': '600',
};

interface HealthchecksPing {
  uuid: string;
  kind: IncomingSignal['kind'];
  exitCode: number | null;
  rid: string | null;
}

export async function handleHealthchecksPing(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'OPTIONS') return answer(res, 204, '');
  if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
    return answer(res, 405, 'Method not allowed: use GET, POST or HEAD\n', { allow: 'GET, POST, HEAD' });
  }
  let ping: HealthchecksPing;
  try {
    ping = parseHealthchecksPing(url);
  } catch (err) {
    if (err instanceof BadRequest) return answer(res, err.status, err.message);
    throw err;
  }
  const allowed = takeToken(deps, ping.uuid);
  if (!allowed.ok) return answer(res, 429, `Too many signals for this job; retry in ${allowed.retryAfter}s\n`, { 'retry-after': String(allowed.retryAfter) });

  let body: Awaited<ReturnType<typeof readBody>>;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof BadRequest) return answer(res, err.status, `${err.message}\n`, { connection: 'close' });
    throw err;
  }
  let job: { pingKey: string; name: string } | null;
  try {
    job = await findJobByUuid(deps.db, ping.uuid);
  } catch (err) {
    if (isUnavailable(err)) return answer(res, 503, 'Pakyas cannot store signals right now; retry shortly\n', { 'retry-after': '5' });
    throw err;
  }
  if (!job) return answer(res, 404, notFoundUuid(ping.uuid));
  const recorded = await recordSignal(deps, {
    pingKey: job.pingKey, job: job.name, kind: ping.kind, exitCode: ping.exitCode, rid: ping.rid, durationMs: null, host: null,
    userAgent: userAgent(req.headers), body: body.body, bodyCutBytes: body.cut, occurredAt: null,
  });
  if (recorded.kind === 'unavailable') return answer(res, 503, 'Pakyas cannot store signals right now; retry shortly\n', { 'retry-after': '5' });
  // The job was renamed or deleted between the lookup and the write.
  if (recorded.kind === 'not_found') return answer(res, 404, notFoundUuid(ping.uuid));
  answer(res, 200, 'OK');
}

/** The path and query of a Healthchecks ping; BadRequest with Healthchecks' words where it has them. */
export function parseHealthchecksPing(url: URL): HealthchecksPing {
  const parts = url.pathname.split('/').slice(2); // after /ping/
  const [uuid, action = ''] = parts as [string, string?];
  if (parts.length > 2 || (parts.length === 2 && action === '')) throw new BadRequest(404, 'not found');
  let kind: IncomingSignal['kind'];
  let exitCode: number | null = null;
  if (action === '') kind = 'success';
  else if (action === 'start' || action === 'fail' || action === 'log') kind = action;
  else if (/^\d{1,10}$/.test(action)) {
    // Healthchecks' words for an exit status above 255.
    if (Number(action) > 255) throw new BadRequest(400, 'invalid url format');
    exitCode = Number(action);
    kind = exitCode === 0 ? 'success' : 'fail';
  } else throw new BadRequest(404, 'not found');

  const q = url.searchParams;
  if (q.has('create')) throw new BadRequest(400, createRefused(uuid));
  for (const name of q.keys()) if (name !== 'rid') throw new BadRequest(400, unknownParameter(name, 'Healthchecks', ['rid']));
  const rid = q.get('rid');
  if (rid !== null && !UUID_PATTERN.test(rid)) throw new BadRequest(400, 'invalid uuid format');
  return { uuid: uuid.toLowerCase(), kind, exitCode, rid: rid?.toLowerCase() ?? null };
}

function notFoundUuid(uuid: string): string {
  return `not found: no job has the UUID ${uuid}; declare it on its job in pakyas.yaml (uuid: ${uuid}) and run pakyas apply`;
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'ping-body-limit': String(KEPT_OUTPUT_BYTES), ...CORS, ...headers,
  });
  res.end(res.req.method === 'HEAD' || status === 204 ? undefined : text);
}
