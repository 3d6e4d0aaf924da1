import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import { openPostgres } from '../server/db/postgres.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { ADMIN, cleanUp, DATABASE_URL, eventually, newSchema } from './helpers/server.js';

// Two `pakyas server` processes on one Postgres: pg-boss shares the checks between them and the
// compare-and-set in step() makes a check that two replicas both see count once.
describe.skipIf(!DATABASE_URL)('two server replicas on one Postgres', () => {
  const servers: ServerProcess[] = [];
  let receiver: Receiver | null = null;
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await receiver?.close();
    await cleanUp();
  });

  it('judges each transition and each missed run exactly once, alerts each once, and both serve the same state', async () => {
    receiver = await startReceiver();
    const schema = newSchema();
    const env = { DATABASE_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: schema, PAKYAS_ADMIN_TOKEN: ADMIN };
    servers.push(await spawnServer(env));
    servers.push(await spawnServer(env));
    const [a, b] = servers.map((s) => createClient({ server: s.url, token: ADMIN })) as [ReturnType<typeof createClient>, ReturnType<typeof createClient>];

    const jobs = Array.from({ length: 20 }, (_, i) => ({
      name: `job-${i}`, description: null, schedule: { kind: 'every' as const, everySeconds: 1 }, timezone: 'UTC',
      graceSeconds: 1, maxDurationSeconds: 60, tags: [], paused: false, alertAfter: 1,
    }));
    const applied = await a.projects.applyConfig.mutate({ config: {
      project: 'replicas', jobs,
      channels: [{ name: 'hook', type: 'webhook', settings: { url: `${receiver.url}/replicas` } }],
      routes: [{ match: { job: '*' }, notify: ['hook'], on: ['failed', 'missing', 'overrunning', 'recovered'] }],
    }, source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null });

    // Every job misses its first deadline (~2 s after apply), then one more each second.
    await eventually(async () => (await b.jobs.list.query({ project: 'replicas' })).every((j) => j.state === 'missing'), 10_000, 100);
    await new Promise((r) => setTimeout(r, 3000));

    // Half of the jobs report through one replica, half through the other, at the same moment.
    await Promise.all(jobs.map((j, i) => fetch(`${servers[i % 2]!.url}/ping/${applied.pingKey}/${j.name}`)));

    const db = openPostgres({ url: DATABASE_URL!, schema });
    try {
      const rows = await db.query<{ job: string; message: string; at: Date; kind: string }>(
        `select j.name as job, t.message, t.at, t.kind from timeline t join jobs j on j.id = t.job_id order by t.id`);
      for (const j of jobs) {
        const mine = rows.filter((r) => r.job === j.name);
        const missed = mine.filter((r) => /^(Missing \(was \w[\w ]*\): n|N)o execution signal/.test(r.message));
        expect(missed.length).toBeGreaterThanOrEqual(3);
        // One entry per missed run: no due time is judged twice.
        const dues = missed.map((r) => /run due (\S+)/.exec(r.message)![1]);
        expect(new Set(dues).size).toBe(dues.length);
        // One transition into missing, and one out of it with the signal.
        expect(mine.filter((r) => r.kind === 'transition').map((r) => /^([\w ]+) \(was /.exec(r.message)![1])).toEqual(['Missing', 'On Schedule']);
      }
    } finally {
      await db.close();
    }
    const states = await a.jobs.list.query({ project: 'replicas' });
    // With a 1 s interval and 1 s grace, a signal always falls inside the window of the run owed.
    expect(states.map((s) => s.state)).toEqual(jobs.map(() => 'on_schedule'));
    expect(await b.jobs.list.query({ project: 'replicas' })).toEqual(states);

    // Each job owed two alerts, missing then recovered; the receiver sees each exactly once.
    await eventually(async () => receiver!.received.length >= jobs.length * 2, 10_000, 100);
    await new Promise((r) => setTimeout(r, 1500));
    const ids = receiver.received.map((r) => r.json.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const j of jobs) {
      // A job that stays silent after its signal may go missing again: that is a new transition.
      const seen = receiver.received.filter((r) => r.json.job === j.name).map((r) => r.json.transition);
      expect(seen.slice(0, 2)).toEqual(['missing', 'recovered']);
      expect(seen.every((t, i) => i === 0 || t !== seen[i - 1])).toBe(true);
    }
  }, 60_000);
});
