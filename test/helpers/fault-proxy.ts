// A TCP proxy in front of Postgres that can cut every connection and refuse new ones, for tests of
// the database going away (test/db-outage.test.ts, test/pgbouncer.test.ts).
import { createServer, connect, type Server, type Socket } from 'node:net';

/** A TCP proxy in front of Postgres that can cut every connection and refuse new ones. */
export async function faultProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
  const up = () => new Promise<void>((resolve) => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => s.destroy()); }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const down = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server ? server.close(() => resolve()) : resolve();
    server = null;
  });
  await up();
  return { port, up, down };
}
