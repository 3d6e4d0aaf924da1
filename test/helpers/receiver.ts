// A real HTTP receiver standing in for a webhook, Slack, Discord or PagerDuty endpoint.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received { at: number; path: string; headers: IncomingHttpHeaders; raw: string; json: any }

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests that arrived, answered or not. */
  arrived(): number;
  /** Answer the next N requests with this status. */
  failNext(n: number, status?: number): void;
  /** Hold every request open without answering (a receiver that hangs). */
  hang(on: boolean): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let failures = 0;
  let failStatus = 500;
  let hanging = false;
  let arrived = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => { raw += d; });
    req.on('end', () => {
      arrived++;
      if (hanging) return;
      if (failures > 0) { failures--; res.writeHead(failStatus); res.end('nope'); return; }
      let json: unknown = null;
      try { json = JSON.parse(raw); } catch { /* not JSON */ }
      received.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, raw, json });
      res.writeHead(req.url?.includes('discord') ? 204 : 200, { 'content-type': 'application/json' });
      res.end(req.url?.includes('discord') ? undefined : '{"status":"success"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    arrived: () => arrived,
    failNext(n, status = 500) { failures = n; failStatus = status; },
    hang(on) { hanging = on; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
