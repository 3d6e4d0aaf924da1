// Cronitor's telemetry API, so that a job using the Cronitor client or `cronitor ping` moves by
// changing its base URL:
//   GET|POST /ping/{pingKey}/{monitorKey}?state=run|complete|fail|ok|tick&series=…&message=…
//            &status_code=N&metric=duration:S&metric=count:N&metric=error_count:N&host=…&env=…&stamp=…
//   and the same on /p/{pingKey}/{monitorKey}, the path Cronitor's docs give for telemetry.
// Cronitor's API key in the URL is the project's ping key; its monitor key is the job's name.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerDeps } from '../../deps.js';
import type { IncomingSignal } from '../../signals.js';
import { runIdFromText } from './run-ids.js';
import { BadRequest, readBody } from '../ping.js';
import { notFound, unknownParameter } from './answers.js';
import { recordSignal, takeToken, userAgent } from './record.js';

/** Parameters only Cronitor sends: one of them makes a /ping/… request Cronitor-shaped. */
export const CRONITOR_ONLY = new Set(['state', 'series', 'message', 'msg', 'status_code', 'metric', 'env', 'stamp', 'try']);
const ACCEPTED = [...CRONITOR_ONLY, 'host'];
const STATES = ['run', 'complete', 'fail', 'ok', 'tick'] as const;
const METRICS = ['duration', 'count', 'error_count'];
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export async function handleCronitorPing(deps: ServerDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
    return answer(res, 405, 'Method not allowed: use GET, POST or HEAD', { allow: 'GET, POST, HEAD' });
  }
  let signal: IncomingSignal;
  try {
    const parsed = parseCronitorPing(url);
    const allowed = takeToken(deps, parsed.pingKey);
    if (!allowed.ok) return answer(res, 429, `Too many signals for this ping key; retry in ${allowed.retryAfter}s`, { 'retry-after': String(allowed.retryAfter) });
    const body = await readBody(req);
    // A message is what Cronitor shows for the ping; a body, when one is sent too, is output.
    signal = { ...parsed, userAgent: userAgent(req.headers), body: parsed.message ?? body.body, bodyCutBytes: parsed.message === null ? body.cut : 0 };
  } catch (err) {
    if (err instanceof BadRequest) return answer(res, err.status, err.message, err.status === 413 ? { connection: 'close' } : {});
    throw err;
  }
  const recorded = await recordSignal(deps, signal);
  if (recorded.kind === 'unavailable') return answer(res, 503, 'Pakyas cannot store signals right now; retry shortly', { 'retry-after': '5' });
  if (recorded.kind === 'not_found') return answer(res, 404, notFound(signal.job));
  answer(res, 200, recorded.judged ? 'OK' : 'OK (recorded; the job is paused)');
}

type Parsed = Omit<IncomingSignal, 'userAgent' | 'body' | 'bodyCutBytes'> & { message: string | null };

/** A Cronitor telemetry URL → the Pakyas signal it means; BadRequest when it cannot be read for sure. */
export function parseCronitorPing(url: URL): Parsed {
  const parts = url.pathname.split('/').slice(2); // after /ping/ or /p/
  if (parts.length === 3 && parts[2] !== '') {
    throw new BadRequest(400, `Cronitor's state= goes on /ping/{pingKey}/{job} with no /${parts[2]!.slice(0, 20)} after it; nothing was recorded`);
  }
  if (parts.length === 3) parts.pop(); // a trailing slash
  if (parts.length !== 2 || parts.some((p) => p === '')) throw new BadRequest(404, 'Not found: Cronitor telemetry URLs are /ping/{pingKey}/{monitorKey}?state=…');
  const [pingKey, monitorKey] = parts as [string, string];
  // Cronitor keys may have capitals; Pakyas names are lowercase, so NightlyBackup is nightlybackup.
  const job = monitorKey.toLowerCase();
  if (pingKey.length > 200 || !NAME.test(job)) throw new BadRequest(404, notFound(job));

  const q = url.searchParams;
  for (const name of q.keys()) if (!ACCEPTED.includes(name)) throw new BadRequest(400, unknownParameter(name, 'Cronitor', ACCEPTED));
  for (const name of ['state', 'series', 'message', 'msg', 'status_code', 'host', 'env', 'stamp']) {
    if (q.getAll(name).length > 1) throw new BadRequest(400, `Parameter '${name}' is given twice; nothing was recorded`);
  }
  const state = q.get('state') ?? 'tick';
  if (!(STATES as readonly string[]).includes(state)) {
    throw new BadRequest(400, `Bad state '${state.slice(0, 30)}': Cronitor's states are ${STATES.join(', ')}; nothing was recorded`);
  }

  let exitCode: number | null = null;
  const code = q.get('status_code');
  if (code !== null) {
    if (!/^\d{1,3}$/.test(code) || Number(code) > 255) throw new BadRequest(400, `Bad status_code '${code.slice(0, 20)}': use an exit code from 0 to 255`);
    if (state === 'run') throw new BadRequest(400, 'status_code goes with a finish (complete, fail, ok or a tick), not with state=run; nothing was recorded');
    exitCode = Number(code);
  }
  const metrics = readMetrics(q.getAll('metric'));
  let kind: IncomingSignal['kind'];
  if (state === 'run') kind = 'start';
  else if (state === 'fail') kind = 'fail';
  // A finish that reports a non-zero exit code or errors failed, whatever its state says: a
  // failure is never recorded as a success.
  else kind = (exitCode !== null && exitCode !== 0) || (metrics.errorCount ?? 0) > 0 ? 'fail' : 'success';

  const message = q.get('message') ?? q.get('msg');
  const host = q.get('host');
  if (host !== null && (host.length > 255 || host.includes('\u0000'))) throw new BadRequest(400, 'Bad host: at most 255 characters, and no NUL');
  const series = q.get('series');
  if (series !== null && (series === '' || series.length > 200)) throw new BadRequest(400, 'Bad series: from 1 to 200 characters');
  const stamp = q.get('stamp');
  // Cronitor's client stamps every ping with the sender's clock; the server's clock decides (SPEC §3).
  if (stamp !== null && !/^\d{1,12}(\.\d+)?$/.test(stamp)) throw new BadRequest(400, `Bad stamp '${stamp.slice(0, 30)}': epoch seconds`);
  return {
    pingKey, job, kind, exitCode,
    // Cronitor's series is any text; the same series always gives the same run id.
    rid: series === null ? null : runIdFromText('cronitor-series', series),
    durationMs: metrics.durationMs, host,
    occurredAt: null,
    message: message === null ? null : message.slice(0, 2000).replace(/\u0000/g, '\uFFFD'),
  };
}

function readMetrics(values: string[]): { durationMs: number | null; errorCount: number | null } {
  let durationMs: number | null = null;
  let errorCount: number | null = null;
  for (const v of values) {
    const [name = '', value = ''] = v.split(':', 2);
    if (!METRICS.includes(name)) throw new BadRequest(400, `Bad metric '${v.slice(0, 40)}': Cronitor's metrics are ${METRICS.map((m) => `${m}:N`).join(', ')}; nothing was recorded`);
    if (!/^\d{1,12}(\.\d+)?$/.test(value)) throw new BadRequest(400, `Bad metric '${v.slice(0, 40)}': the value is a number`);
    if (name === 'duration') durationMs = Math.round(Number(value) * 1000);
    if (name === 'error_count') errorCount = Number(value);
  }
  return { durationMs, errorCount };
}

function answer(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : `${text}\n`);
}
