// Sending one signal with node:http: no fetch, no tRPC. This is the path `pakyas monitor` and
// `pakyas ping` take, and start-up time matters there (a first fetch() costs ~140 ms here).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Signal {
  job: string;
  kind: 'start' | 'success' | 'fail' | 'log';
  exitCode?: number | null;
  rid?: string | null;
  durationMs?: number | null;
  host?: string | null;
  body?: string | null;
  /** When it really happened, for a signal sent late (from the spool). */
  at?: number | null;
}

export interface SignalTarget { server: string; pingKey: string }

export type SendResult =
  | { ok: true; status: number; text: string }
  | { ok: false; status: number | null; text: string; retryable: boolean };

export function signalUrl(target: SignalTarget, s: Signal): URL {
  // A finish with an exit code says it (/0, /3): the server stores the code, 0 included.
  const finish = s.kind === 'success' || s.kind === 'fail';
  const action = finish && s.exitCode != null ? `/${s.exitCode}` : s.kind === 'success' ? '' : `/${s.kind}`;
  const url = new URL(`${target.server}/ping/${encodeURIComponent(target.pingKey)}/${encodeURIComponent(s.job)}${action}`);
  if (s.rid) url.searchParams.set('rid', s.rid);
  if (s.durationMs != null) url.searchParams.set('duration_ms', String(Math.round(s.durationMs)));
  if (s.host) url.searchParams.set('host', s.host);
  if (s.at != null) url.searchParams.set('ts', String(Math.round(s.at)));
  return url;
}

export function sendSignal(target: SignalTarget, s: Signal, timeoutMs: number): Promise<SendResult> {
  const url = signalUrl(target, s);
  const body = Buffer.from(s.body ?? '', 'utf8');
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: SendResult) => { if (!settled) { settled = true; clearTimeout(timer); resolve(r); } };
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length, 'user-agent': 'pakyas-cli' },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (text.length < 2000) text += d; });
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) done({ ok: true, status, text: text.trim() });
        // 5xx and 429 may pass; a 4xx says the signal itself is wrong and will stay wrong.
        else done({ ok: false, status, text: text.trim(), retryable: status >= 500 || status === 429 });
      });
      res.on('error', (err) => done({ ok: false, status: res.statusCode ?? null, text: err.message, retryable: true }));
    });
    const timer = setTimeout(() => { req.destroy(); done({ ok: false, status: null, text: `no answer within ${timeoutMs} ms`, retryable: true }); }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, status: null, text: err.code ?? err.message, retryable: true }));
    req.end(body);
  });
}
