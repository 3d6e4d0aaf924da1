// `pakyas server` stopped by SIGTERM (systemd's stop, a deploy) while jobs keep reporting: every
// signal it answered 200 is stored, including those answered after the SIGTERM arrived.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import { openPglite } from '../server/db/pglite.js';
import { openPostgres } from '../server/db/postgres.js';
import { startReceiver } from './helpers/receiver.js';
import { ADMIN, backends, cleanUp, DATABASE_URL, eventually, hourlyJob, newSchema, TEST_SOURCE } from './helpers/server.js';
import { spawnServer } from './helpers/server-process.js';

const SENDERS = 8;

/** One log signal whose body names it; resolves with the status, or null when the connection failed. */
function send(url: string, agent: Agent, id: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.end(id);
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'pakyas-shutdown-'));

/** A signal whose headers and first half go out now, and the rest when finish() is called. */
function slowSignal(url: string, id: string) {
  let started!: () => void;
  const startedP = new Promise<void>((r) => { started = r; });
  let req!: ReturnType<typeof request>;
  const status = new Promise<number | null>((resolve) => {
    req = request(url, { method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': String(id.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? null));
    });
    req.on('error', () => resolve(null));
    req.flushHeaders();
    req.write(id.slice(0, 4), () => setTimeout(started, 100));
  });
  return { started: startedP, status, finish: () => req.end(id.slice(4)) };
}

describe.each(backends)('stopping the server with SIGTERM, on %s', (backend) => {
  afterAll(async () => { rmSync(dataDir, { recursive: true, force: true }); await cleanUp(); });

  it('answers and stores the signals under way, loses none it acknowledged, and releases its claims', async () => {
    const storage = backend === 'postgres'
      ? { env: { DATABASE_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: newSchema() }, args: [] }
      : { env: { DATABASE_URL: '' }, args: ['--data-dir', dataDir] };
    // A receiver that holds its alert open: a delivery is claimed and under way when SIGTERM comes.
    const hook = await startReceiver();
    hook.hang(true);
    const server = await spawnServer({ ...storage.env, PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_PING_RATE: '0', PAKYAS_RETENTION_SIGNALS: '1000000', PAKYAS_ALERT_TIMEOUT: '1' }, storage.args);
    const applied = await createClient({ server: server.url, token: ADMIN }).projects.applyConfig.mutate({
      config: {
        project: 'steady', jobs: [hourlyJob('heartbeat'), hourlyJob('flaky')],
        channels: [{ name: 'hook', type: 'webhook', settings: { url: `${hook.url}/hook` } }],
        routes: [{ match: { job: 'flaky' }, notify: ['hook'], on: ['failed'] }],
      },
      source: TEST_SOURCE, expectedRevision: null,
    });
    const url = `${server.url}/ping/${applied.pingKey}/heartbeat/log`;

    // Senders on kept-alive connections, as many jobs reporting at once, until the server is gone.
    let exited = false;
    const exit = new Promise<number | null>((resolve) => server.child.once('exit', (code) => { exited = true; resolve(code); }));
    let termAt = 0;
    const acknowledged: string[] = [];
    let next = 0;
    const senders = Array.from({ length: SENDERS }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (!exited) {
        const id = `signal-${next++}`;
        const status = await send(url, agent, id);
        if (status === 200) {
          acknowledged.push(id);
        } else if (status === null) {
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      agent.destroy();
    });

    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 20));
    await fetch(`${server.url}/ping/${applied.pingKey}/flaky/fail`, { method: 'POST' });
    await eventually(async () => hook.arrived() === 1, 5000, 10);
    // And one job whose signal is half sent when SIGTERM comes: its body arrives after it.
    const late = slowSignal(url, 'signal-late');
    await late.started;
    termAt = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    late.finish();
    const code = await exit;
    const stoppedInMs = Date.now() - termAt;
    await Promise.all(senders);

    expect(code).toBe(0);
    expect(server.output()).toContain('Received SIGTERM; shutting down');
    expect(stoppedInMs).toBeLessThan(15_000);
    // The request under way when SIGTERM came was answered, not cut.
    expect(await late.status).toBe(200);
    acknowledged.push('signal-late');

    const left = await afterStop(storage);
    const stored = new Set(left.bodies);
    const lost = acknowledged.filter((id) => !stored.has(id));
    expect(lost).toEqual([]);
    // Its workers let go of what they held (the alert under way timed out and was recorded, to be
    // retried): nothing is left for another server to wait out.
    expect(left.claims).toBe(0);
    await hook.close();
  }, 120_000);
});

/** What the stopped server left: the bodies of the stored signals, and the claims it still holds. */
async function afterStop(storage: { env: Record<string, string>; args: string[] }): Promise<{ bodies: string[]; claims: number }> {
  const postgres = !!storage.env.DATABASE_URL;
  const boss = postgres ? `${storage.env.PAKYAS_DB_SCHEMA}_boss` : 'pgboss';
  const opened = postgres
    ? openPostgres({ url: storage.env.DATABASE_URL!, schema: storage.env.PAKYAS_DB_SCHEMA! })
    : (await openPglite({ dataDir: storage.args[1]! })).db;
  try {
    const bodies = await opened.query<{ body: string }>("select s.body from signals s join jobs j on j.id = s.job_id where j.name = 'heartbeat' and s.kind = 'log'");
    // pg-boss jobs still marked active, and alert deliveries still under a lease.
    const [claims] = await opened.query<{ n: number }>(`select (select count(*) from ${boss}.job where state = 'active')
      + (select count(*) from deliveries where claimed_until is not null) as n`);
    return { bodies: bodies.map((r) => r.body), claims: Number(claims!.n) };
  } finally {
    await opened.close();
  }
}
