import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import { openPostgres } from '../server/db/postgres.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { ADMIN, cleanUp, DATABASE_URL, eventually, newSchema } from './helpers/server.js';

const SECRET = 'whsec-crash-test-must-never-be-logged';

// A server killed with SIGKILL at random moments under load, and restarted: every signal that got
// a 2xx must be stored, and deadlines still fire afterwards. Counts go to docs/reliability.md.
describe.skipIf(!DATABASE_URL)('a server killed with SIGKILL under load', () => {
  let server: ServerProcess | null = null;
  let receiver: Receiver | null = null;
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await receiver?.close();
    await cleanUp();
  });

  it('keeps every acknowledged signal, and judges deadlines after each restart', async () => {
    receiver = await startReceiver();
    const schema = newSchema();
    const env = { DATABASE_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: schema, PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_PING_RATE: '0' };
    let output = '';
    server = await spawnServer(env);
    const client = () => createClient({ server: server!.url, token: ADMIN });
    const jobs = Array.from({ length: 20 }, (_, i) => ({
      name: `job-${i}`, description: null, schedule: { kind: 'every' as const, everySeconds: 3600 }, timezone: 'UTC',
      graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1,
    }));
    const silent = { ...jobs[0]!, name: 'silent', schedule: { kind: 'every' as const, everySeconds: 2 }, graceSeconds: 1 };
    const applied = await client().projects.applyConfig.mutate({
      config: {
        project: 'crash', jobs: [...jobs, silent],
        channels: [{ name: 'hook', type: 'webhook', settings: { url: `${receiver.url}/hook`, secret: SECRET } }],
        routes: [{ match: { job: '*' }, notify: ['hook'], on: ['failed', 'missing', 'recovered'] }],
      },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });

    const acked = new Set<string>();
    let sent = 0;
    let stop = false;
    const agent = new Agent({ keepAlive: false });
    const send = (url: string) => new Promise<number>((resolve) => {
      const req = request(url, { method: 'POST', agent, timeout: 3000 }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', () => resolve(0));
      req.on('timeout', () => { req.destroy(); resolve(0); });
      req.end();
    });
    const loop = async () => {
      while (!stop) {
        const rid = randomUUID();
        const job = `job-${Math.floor(Math.random() * jobs.length)}`;
        sent++;
        const status = await send(`${server!.url}/ping/${applied.pingKey}/${job}/${Math.random() < 0.2 ? 1 : 0}?rid=${rid}`);
        if (status === 200) acked.add(rid);
        else await new Promise((r) => setTimeout(r, 50));
      }
    };
    const loops = Array.from({ length: 4 }, loop);

    const kills = Number(process.env.PAKYAS_SOAK_KILLS ?? 3);
    for (let k = 0; k < kills; k++) {
      await new Promise((r) => setTimeout(r, 700 + Math.random() * 1300));
      output += server.output();
      await server.stop('SIGKILL');
      server = await spawnServer(env);
    }
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(loops);

    const db = openPostgres({ url: DATABASE_URL!, schema });
    try {
      const stored = new Set((await db.query<{ rid: string }>('select rid from signals where rid is not null')).map((r) => r.rid));
      const lost = [...acked].filter((rid) => !stored.has(rid));
      expect(acked.size).toBeGreaterThan(50);
      expect(lost).toEqual([]);
      // After the last restart the silent job is still judged: new missed runs keep arriving.
      const restartedAt = Date.now();
      await eventually(async () => {
        const [row] = await db.query<{ n: number }>(
          `select count(*)::int as n from timeline t join jobs j on j.id = t.job_id
           where j.name = 'silent' and (t.message like 'No execution signal%' or t.message like 'Missing (was %): no execution signal%') and t.at > to_timestamp($1::float8 / 1000)`,
          [restartedAt]);
        return row!.n > 0;
      }, 10_000, 200);
      console.log(`crash test: ${sent} signals sent, ${acked.size} acknowledged, ${stored.size} stored, ${kills} SIGKILLs survived, 0 lost`);
    } finally {
      await db.close();
    }
    output += server.output();
    expect(output).not.toContain(SECRET);
  }, 90_000);

  it('hands an alert a killed server was sending to the next one, once its claim lapses', async () => {
    const hook = await startReceiver();
    hook.hang(true);
    const schema = newSchema();
    // A 1 s send timeout makes a claim last 6 s (the timeout plus at least 5 s to record the result).
    const env = { DATABASE_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: schema, PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_ALERT_TIMEOUT: '1' };
    let first: ServerProcess | null = await spawnServer(env);
    let second: ServerProcess | null = null;
    try {
      const applied = await createClient({ server: first.url, token: ADMIN }).projects.applyConfig.mutate({
        config: {
          project: 'handover',
          jobs: [{ name: 'etl', description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1 }],
          channels: [{ name: 'hook', type: 'webhook', settings: { url: `${hook.url}/hook` } }],
          routes: [{ match: { job: '*' }, notify: ['hook'], on: ['failed'] }],
        },
        source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
      });
      await fetch(`${first.url}/ping/${applied.pingKey}/etl/fail`, { method: 'POST' });
      // The first server is mid-send (the receiver holds the request) when it dies.
      await eventually(async () => hook.arrived() === 1, 5000, 10);
      await first.stop('SIGKILL');
      first = null;
      const killedAt = Date.now();
      hook.hang(false);
      second = await spawnServer(env);
      const got = await eventually(async () => hook.received[0], 15_000, 50);
      expect(got.at - killedAt).toBeGreaterThan(4000); // not before the claim lapsed
      expect(got.json.transition).toBe('failed');
      const timeline = (await createClient({ server: second.url, token: ADMIN }).jobs.timeline.query({ project: 'handover', job: 'etl', limit: 50 })).entries.map((e) => e.message);
      expect(timeline).toContain('Alert sent to hook: failed (attempt 2)');
      await new Promise((r) => setTimeout(r, 1000));
      expect(hook.received).toHaveLength(1);
    } finally {
      await first?.stop('SIGKILL');
      await second?.stop('SIGKILL');
      await hook.close();
    }
  }, 40_000);
});
