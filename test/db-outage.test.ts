import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import { faultProxy } from './helpers/fault-proxy.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { ADMIN, cleanUp, DATABASE_URL, eventually, newSchema } from './helpers/server.js';

// Postgres going away mid-load (here: every connection cut and new ones refused, as during a
// restart): signals get 503 quickly, /healthz says degraded, nothing crashes, and the server
// recovers by itself when the database is back.
describe.skipIf(!DATABASE_URL)('the database going away under load', () => {
  let server: ServerProcess | null = null;
  afterAll(async () => { await server?.stop('SIGKILL'); await cleanUp(); });

  it('answers 503 fast while it is gone and recovers by itself', async () => {
    const real = new URL(DATABASE_URL!);
    const proxy = await faultProxy(real);
    const viaProxy = new URL(DATABASE_URL!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    server = await spawnServer({ DATABASE_URL: viaProxy.toString(), PAKYAS_DB_SCHEMA: newSchema(), PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_PING_RATE: '0' });
    const applied = await createClient({ server: server.url, token: ADMIN }).projects.applyConfig.mutate({
      config: { project: 'outage', jobs: [{ name: 'a', description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1 }], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    const ping = async () => {
      const t = Date.now();
      const get = () => fetch(`${server!.url}/ping/${applied.pingKey}/a`, { signal: AbortSignal.timeout(15_000) });
      let r: Response;
      try {
        r = await get();
      } catch (err) {
        // A kept-alive connection the server closed as this request went out is the client's to
        // retry; a server that died is this test's failure, with what it printed.
        if (server!.child.exitCode !== null || server!.child.signalCode !== null) throw new Error(`the server died:\n${server!.output()}`, { cause: err });
        r = await get();
      }
      return { status: r.status, ms: Date.now() - t, retryAfter: r.headers.get('retry-after') };
    };
    expect((await ping()).status).toBe(200);

    await proxy.down();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await ping());
    expect(during.map((d) => d.status)).toEqual([503, 503, 503, 503, 503]);
    expect(Math.max(...during.map((d) => d.ms))).toBeLessThan(6000);
    expect(during[0]!.retryAfter).toBe('5');
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: 'degraded', database: 'unavailable' });
    expect(server.child.exitCode).toBe(null);

    await proxy.up();
    await eventually(async () => (await ping()).status === 200, 20_000, 250);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(server.child.exitCode).toBe(null);
    await proxy.down();
  }, 60_000);
});

// The real thing: Postgres itself restarted while signals arrive. It stops the machine's Postgres
// for a moment, so it runs only in `npm run test:soak` (files one at a time), never beside other tests.
describe.skipIf(!DATABASE_URL || process.env.PAKYAS_TEST_PG_RESTART !== '1')('Postgres restarted under load', () => {
  let server: ServerProcess | null = null;
  afterAll(async () => { await server?.stop('SIGKILL'); await cleanUp(); });

  it('keeps answering (200 or 503, never a hang or a crash) and recovers by itself', async () => {
    server = await spawnServer({ DATABASE_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: newSchema(), PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_PING_RATE: '0' });
    const applied = await createClient({ server: server.url, token: ADMIN }).projects.applyConfig.mutate({
      config: { project: 'restart', jobs: [{ name: 'a', description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1 }], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    const statuses: number[] = [];
    let slowest = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) {
        const t = Date.now();
        const r = await fetch(`${server!.url}/ping/${applied.pingKey}/a`, { signal: AbortSignal.timeout(15_000) }).catch(() => null);
        statuses.push(r?.status ?? 0);
        slowest = Math.max(slowest, Date.now() - t);
        await new Promise((res) => setTimeout(res, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 1000));
    const version = readdirSync('/etc/postgresql').sort().at(-1)!;
    // Asynchronously, so that the signals keep coming while Postgres is down.
    await new Promise((resolve) => execFile('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], resolve));
    await eventually(async () => statuses.at(-1) === 200, 30_000, 200).catch((err: Error) => {
      // Say what the server answered and logged, so that a failure here can be understood.
      throw new Error(`${err.message}; answers: ${statuses.join(' ')}; server output:\n${server!.output().slice(-3000)}`);
    });
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await load;
    expect(new Set(statuses.filter((s) => s !== 200 && s !== 503))).toEqual(new Set());
    expect(slowest).toBeLessThan(10_000);
    expect(statuses.at(-1)).toBe(200);
    expect(server.child.exitCode).toBe(null);
    console.log(`postgres restart: ${statuses.length} signals, ${statuses.filter((s) => s === 200).length} × 200, ${statuses.filter((s) => s === 503).length} × 503, slowest answer ${slowest} ms`);
  }, 90_000);
});
