// Stopping without losing what was acknowledged. A signal is answered 200 only once it is stored
// (server/signals.ts), so a stop must not cut a request between the two: on SIGTERM the server
// stops listening, lets the requests under way finish and be answered (for at most a grace
// period), asks every client to close its connection after that answer, and only then stops the
// workers and closes the database. Live streams (the dashboard's subscription) never finish by
// themselves: they are closed at once, and the dashboard says it lost the server.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How long requests under way get to finish; signals take milliseconds, a large apply seconds. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface RequestTracker {
  /** Stops listening, waits for requests under way (at most `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

export function trackRequests(server: Server): RequestTracker {
  const active = new Set<ServerResponse>();
  let closing = false;
  // Before the server's own handler, so every request is counted before anything answers it.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    active.add(res);
    res.once('close', () => active.delete(res));
    // A client with a kept-alive connection may send one more request while the server stops: it
    // is answered, and told to close.
    if (closing) res.setHeader('connection', 'close');
  });
  const isStream = (res: ServerResponse) =>
    String(res.getHeader('content-type') ?? '').startsWith('text/event-stream') || (res.req.headers.accept ?? '').includes('text/event-stream');

  return {
    async close(graceMs = SHUTDOWN_GRACE_MS) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const res of active) {
        if (isStream(res)) res.destroy();
        else if (!res.headersSent) res.setHeader('connection', 'close');
      }
      const deadline = Date.now() + graceMs;
      while (active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      server.closeAllConnections();
      await closed;
    },
  };
}
