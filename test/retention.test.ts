import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSpec, JobSpec, RouteSpec } from '../schema/types.js';
import { fairShare } from '../server/core/retention.js';
import { openPostgres } from '../server/db/postgres.js';
import type { RunningServer } from '../server/main.js';
import { Pruner, type RetentionSettings } from '../server/retention.js';
import { runCli } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { adminClient, backends, cleanUp, DATABASE_URL, eventually, newSchema, startTestServer, uniqueProject } from './helpers/server.js';

const job = (name: string, o: Partial<JobSpec> = {}): JobSpec => ({
  name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...o,
});

describe('a project cap shared among its jobs', () => {
  it.each([
    ['everything fits', [5, 10], 30, 10, Infinity],
    ['the noisiest are cut to one share, quiet ones keep all theirs', [20, 15, 5], 30, 10, 12],
    ['equal jobs get equal shares', [50, 50, 50], 90, 10, 30],
    ['never below the floor, even past the total', [100, 100, 100, 100], 20, 10, 10],
  ])('%s', (_name, counts, total, floor, expected) => {
    expect(fairShare(counts, total, floor)).toBe(expected);
  });
});

// Small caps so that a test floods past them in a second; a pass every second.
const RETENTION: RetentionSettings = {
  signalsPerJob: 20, timelinePerJob: 60, alertsPerJob: 5, timelineDays: 90, signalsPerProject: 30, timelinePerProject: 200, alertsPerProject: 1000, intervalSeconds: 1,
};

describe.each(backends)('retention on %s', (backend) => {
  let server: RunningServer;
  /** A webhook receiver that answers, and one that answers every request with a 500 (its deliveries stay pending, retried). */
  let receiver: Receiver;
  let down: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    down = await startReceiver();
    down.failNext(Number.MAX_SAFE_INTEGER);
    server = await startTestServer(backend, { pingRate: 0, retention: RETENTION });
  });
  afterAll(async () => { await server?.close(); await receiver?.close(); await down?.close(); await cleanUp(); });

  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => server.deps.db.query<T>(text, params);

  async function project(jobs: Array<string | JobSpec>, alerting: { channels: ChannelSpec[]; routes: RouteSpec[] } = { channels: [], routes: [] }) {
    const name = uniqueProject();
    const apply = (routes: RouteSpec[]) => adminClient(server).projects.applyConfig.mutate({
      config: { project: name, jobs: jobs.map((j) => (typeof j === 'string' ? job(j) : j)), channels: alerting.channels, routes },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    const r = await apply(alerting.routes);
    const ids = new Map((await sql<{ id: number; name: string }>(
      'select j.id, j.name from jobs j join projects p on p.id = j.project_id where p.name = $1', [name])).map((r) => [r.name, r.id]));
    /** Sends signals one after another, so that their order is the order of their ids. */
    const send = async (j: string, paths: string[]) => {
      for (const path of paths) expect((await fetch(`${server.url}/ping/${r.pingKey}/${j}${path}`, { method: 'POST', body: path })).status).toBe(200);
    };
    const logs = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `/log?host=n${from + i}`);
    const signals = async (j: string) => (await sql<{ body: string }>('select body from signals where job_id = $1 order by id', [ids.get(j)])).map((s) => s.body);
    const timeline = async (j: string) => sql<{ message: string; old: boolean }>(
      `select message, at < now() - interval '90 days' as old from timeline where job_id = $1 order by id`, [ids.get(j)]);
    /** Each alert of the job, oldest first: its transition and the signal body it quotes. */
    const alerts = async (j: string) => (await sql<{ transition: string; tail: string | null }>(
      `select transition, evidence->>'outputTail' as tail from alerts where job_id = $1 order by id`, [ids.get(j)])).map((a) => `${a.transition} ${a.tail}`);
    /** The routes changed, as an operator would: the jobs, their state and their alerts stay. */
    const reroute = async (routes: RouteSpec[]) => { await apply(routes); };
    return { name, ids, send, logs, signals, timeline, alerts, reroute };
  }

  /** Timeline entries written long ago: `count` more, then every entry the job has so far made that old. */
  async function backdate(jobId: number, count: number) {
    await sql(`insert into timeline (job_id, at, kind, message)
      select $1, now() - interval '120 days' + n * interval '1 minute', 'log', 'Log: long ago ' || n from generate_series(1, $2::int) as n`, [jobId, count]);
    await sql(`update timeline set at = at - interval '100 days' where job_id = $1 and at > now() - interval '100 days'`, [jobId]);
  }

  const pruned = async (table: string) => Number(new RegExp(`pakyas_pruned_total\\{table="${table}"\\} (\\d+)`).exec(await (await fetch(`${server.url}/metrics`)).text())![1]);

  it('keeps only the newest signals and timeline entries of a job flooded through its ping key, and nothing else changes', async () => {
    const p = await project(['flooded', 'neighbour']);
    const other = await project(['elsewhere']);
    const before = { signals: await pruned('signals'), timeline: await pruned('timeline') };
    const written = (await p.timeline('flooded')).length;

    await p.send('neighbour', ['/start', '/0']);
    await other.send('elsewhere', other.logs(1, 15));
    await p.send('flooded', ['/start?rid=7d3f0a52-4a8e-4b7e-9b35-2f1a0c6e8d11']);
    const started = (await adminClient(server).jobs.get.query({ project: p.name, job: 'flooded' })).running[0]!.startedAt;
    await p.send('flooded', p.logs(1, 149));

    // A pass counts what the pass before it saw, then prunes: two passes, a second each.
    await eventually(async () => (await p.signals('flooded')).length === 20 && (await p.timeline('flooded')).length === 60, 10_000, 100);
    expect(await p.signals('flooded')).toEqual(p.logs(130, 149));
    expect((await p.timeline('flooded')).map((e) => e.message)).toEqual(p.logs(90, 149).map((l) => `Log: ${l}`));
    expect(await pruned('signals') - before.signals).toBe(150 - 20);
    expect(await pruned('timeline') - before.timeline).toBe(written + 150 - 60);

    expect(await p.signals('neighbour')).toEqual(['/start', '/0']);
    expect(await other.signals('elsewhere')).toEqual(other.logs(1, 15));
    expect((await other.timeline('elsewhere')).length).toBe(written + 15);

    // The job's state lives in its row, whole: the run that started before the flood is still open
    // and its finish is judged against that start.
    const flooded = await adminClient(server).jobs.get.query({ project: p.name, job: 'flooded' });
    expect(flooded.state).toBe('running');
    expect(flooded.running).toEqual([expect.objectContaining({ startedAt: started })]);
    expect(flooded.signals.map((s) => s.body)).toEqual(p.logs(140, 149).reverse());
    await p.send('flooded', ['/0?rid=7d3f0a52-4a8e-4b7e-9b35-2f1a0c6e8d11']);
    const finished = await adminClient(server).jobs.get.query({ project: p.name, job: 'flooded' });
    expect(finished.state).toBe('on_schedule');
    expect(finished.lastRun).toMatchObject({ startedAt: started, exitCode: 0, outcome: 'on_schedule' });
  });

  it('deletes timeline entries past their age, but a quiet job keeps its newest page whatever its age', async () => {
    const p = await project(['busy', 'quiet']);
    await backdate(p.ids.get('busy')!, 5);
    await backdate(p.ids.get('quiet')!, 55);
    const quiet = await p.timeline('quiet');
    expect(quiet.length).toBeGreaterThan(50);
    expect(quiet.every((e) => e.old)).toBe(true);
    // 52 new entries: more than the 50 every job keeps, fewer than the cap of 60 with the old ones.
    await p.send('busy', p.logs(1, 52));

    await eventually(async () => (await p.timeline('busy')).every((e) => !e.old) && (await p.timeline('quiet')).length === 50, 10_000, 100);
    expect((await p.timeline('busy')).map((e) => e.message)).toEqual(p.logs(1, 52).map((l) => `Log: ${l}`));
    expect(await p.timeline('quiet')).toEqual(quiet.slice(-50));
  });

  it('cuts a project over its total to a fair share: its noisiest jobs lose the most, a quiet one nothing', async () => {
    const p = await project(['noisy', 'busy', 'quiet']);
    await p.send('noisy', p.logs(1, 100));
    await p.send('busy', p.logs(1, 15));
    await p.send('quiet', p.logs(1, 5));
    // 20 + 15 + 5 kept per job is 40, over the project's 30: each job keeps at most 12.
    await eventually(async () => (await p.signals('noisy')).length === 12 && (await p.signals('busy')).length === 12, 10_000, 100);
    expect(await p.signals('noisy')).toEqual(p.logs(89, 100));
    expect(await p.signals('busy')).toEqual(p.logs(4, 15));
    expect(await p.signals('quiet')).toEqual(p.logs(1, 5));
  });

  it('deletes no more when passes overlap (replicas, or a pass retried while the first still runs)', async () => {
    const p = await project(['flooded']);
    await p.send('flooded', p.logs(1, 60));
    const pass = () => new Pruner(server.deps.db, RETENTION).pass(Date.now());
    await Promise.all([pass(), pass(), pass()]);
    await Promise.all([pass(), pass(), pass()]);
    expect(await p.signals('flooded')).toEqual(p.logs(41, 60));
  });

  const hook = (name: string, to: Receiver, path: string): ChannelSpec => ({ name, type: 'webhook', settings: { url: `${to.url}${path}` } });
  const route = (notify: string, on: RouteSpec['on'], jobGlob = '*'): RouteSpec => ({ match: { job: jobGlob }, notify: [notify], on });
  /** What the receiver got at `path` about a job, in order: each alert's transition and the signal body it quotes. */
  const heard = (path: string, j: string) => receiver.received.filter((x) => x.path === path && x.json.job === j)
    .map((x) => `${x.json.transition} ${x.json.evidence.outputTail ?? null}`);
  const deliveries = (jobId: number) => sql<{ tail: string | null; channel: string; status: string }>(
    `select a.evidence->>'outputTail' as tail, d.channel, d.status from deliveries d join alerts a on a.id = d.alert_id
     where d.job_id = $1 order by d.id`, [jobId]);
  /**
   * Until the job's `count` deliveries are recorded as sent and its alerts counted by a pass: from
   * then on each of its alerts may go at once, but for those that are needed.
   */
  const settled = (jobId: number, count: number) => eventually(async () => {
    const all = await deliveries(jobId);
    const [c] = await sql<{ alerts: number }>('select alerts from retention_counts where job_id = $1', [jobId]);
    return all.length === count && all.every((d) => d.status === 'sent') && c?.alerts === count;
  }, 10_000, 100);

  it('keeps the newest alerts of a job flooded with failures and recoveries through its ping key, and those still being delivered', async () => {
    const path = `/flood-${Date.now()}`;
    const channels = [hook('ops', receiver, path), hook('pager', down, path)];
    const p = await project(['flooded', 'neighbour'], { channels, routes: [route('ops', ['failed', 'recovered']), route('pager', ['failed'], 'flooded')] });
    const other = await project(['elsewhere'], { channels, routes: [route('ops', ['failed', 'recovered'])] });
    const before = { alerts: await pruned('alerts'), deliveries: await pruned('deliveries') };

    await p.send('neighbour', ['/fail?host=n1', '/0?host=n2']);
    await other.send('elsewhere', ['/fail?host=e1', '/0?host=e2', '/fail?host=e3']);
    // The first failure goes to the pager too, which is down: that delivery stays pending, retried.
    await p.send('flooded', ['/fail?host=f0']);
    await eventually(async () => (await deliveries(p.ids.get('flooded')!)).some((d) => d.channel === 'pager'));
    await p.reroute([route('ops', ['failed', 'recovered'])]);
    const flood = Array.from({ length: 15 }, (_, i) => [`/0?host=r${i + 1}`, `/fail?host=f${i + 1}`]).flat();
    await p.send('flooded', flood);
    const sent = ['failed /fail?host=f0', ...flood.map((path) => `${path.startsWith('/0') ? 'recovered' : 'failed'} ${path}`)];

    // 31 alerts: the newest 5 stay, and the first, still owed to the pager; the other 25 go, each
    // with its one delivery, once sent.
    await eventually(async () => (await p.alerts('flooded')).length === 6 && await pruned('alerts') - before.alerts === 25, 10_000, 100);
    expect(await p.alerts('flooded')).toEqual([sent[0], ...sent.slice(-5)]);
    expect(await pruned('deliveries') - before.deliveries).toBe(25);
    expect((await deliveries(p.ids.get('flooded')!)).filter((d) => d.status === 'pending')).toEqual([{ tail: '/fail?host=f0', channel: 'pager', status: 'pending' }]);
    expect(heard(path, 'flooded')).toEqual(sent);

    expect(await p.alerts('neighbour')).toEqual(['failed /fail?host=n1', 'recovered /0?host=n2']);
    expect(await other.alerts('elsewhere')).toEqual(['failed /fail?host=e1', 'recovered /0?host=e2', 'failed /fail?host=e3']);

    // The recovery after pruning is routed from the failure before it, as ever.
    await p.send('flooded', ['/0?host=r16']);
    await eventually(async () => heard(path, 'flooded').length === sent.length + 1);
    expect(heard(path, 'flooded').at(-1)).toBe('recovered /0?host=r16');
  });

  it('deletes alerts past their age, but not a failure that has not recovered: its recovery still reaches the channel told', async () => {
    const path = `/age-${Date.now()}`;
    const p = await project(['stuck', 'recovered'], { channels: [hook('ops', receiver, path)], routes: [route('ops', ['failed', 'recovered'])] });
    await p.send('recovered', ['/fail?host=a1', '/0?host=a2', '/fail?host=a3', '/0?host=a4']);
    await p.send('stuck', ['/fail?host=s1']);
    await settled(p.ids.get('recovered')!, 4);
    await settled(p.ids.get('stuck')!, 1);
    await sql(`update alerts set at = at - interval '120 days' where job_id in ($1, $2)`, [p.ids.get('stuck'), p.ids.get('recovered')]);

    // The last recovery stays, as where the next one's routing starts.
    await eventually(async () => (await p.alerts('recovered')).length === 1, 10_000, 100);
    expect(await p.alerts('recovered')).toEqual(['recovered /0?host=a4']);
    expect(await p.alerts('stuck')).toEqual(['failed /fail?host=s1']);
    await p.send('stuck', ['/0?host=s2']);
    await eventually(async () => heard(path, 'stuck').length === 2);
    expect(heard(path, 'stuck')).toEqual(['failed /fail?host=s1', 'recovered /0?host=s2']);
  });

  it('keeps of the bad news since the last recovery the newest told to each channel, so the recovery reaches every one', async () => {
    const [ops, oncall] = [`/ops-${Date.now()}`, `/oncall-${Date.now()}`];
    const p = await project([job('slow', { maxDurationSeconds: 1 })], {
      channels: [hook('ops', receiver, ops), hook('oncall', receiver, oncall)],
      routes: [route('ops', ['failed', 'recovered']), route('oncall', ['overrunning', 'recovered'])],
    });
    // Overrunning, failed, overrunning, failed: four alerts and no recovery.
    for (const n of [1, 2]) {
      await p.send('slow', ['/start']);
      await eventually(async () => (await p.alerts('slow')).length === 2 * n - 1, 5000);
      await p.send('slow', [`/fail?host=f${n}`]);
    }
    await settled(p.ids.get('slow')!, 4);
    await sql(`update alerts set at = at - interval '120 days' where job_id = $1`, [p.ids.get('slow')]);

    await eventually(async () => (await p.alerts('slow')).length === 2, 10_000, 100);
    expect(await p.alerts('slow')).toEqual(['overrunning null', 'failed /fail?host=f2']);
    await p.send('slow', ['/0?host=r']);
    await eventually(async () => heard(ops, 'slow').length === 3 && heard(oncall, 'slow').length === 3);
    expect(heard(ops, 'slow')).toEqual(['failed /fail?host=f1', 'failed /fail?host=f2', 'recovered /0?host=r']);
    expect(heard(oncall, 'slow')).toEqual(['overrunning null', 'overrunning null', 'recovered /0?host=r']);
  });

  it('cuts a project over its alert total to a fair share, whether or not any channel hears them', async () => {
    const p = await project(['noisy', 'quiet']);
    await p.send('noisy', Array.from({ length: 4 }, (_, i) => [`/fail?host=f${i + 1}`, `/0?host=r${i + 1}`]).flat());
    await p.send('quiet', ['/fail?host=q1', '/0?host=q2']);
    // The server's own passes count them and cut the noisy job to its 5.
    await eventually(async () => (await p.alerts('noisy')).length === 5, 10_000, 100);
    // 5 + 2 kept per job is over a project total of 6: each job keeps at most 4.
    await new Pruner(server.deps.db, { ...RETENTION, alertsPerProject: 6 }).pass(Date.now());
    expect(await p.alerts('noisy')).toEqual(['failed /fail?host=f3', 'recovered /0?host=r3', 'failed /fail?host=f4', 'recovered /0?host=r4']);
    expect(await p.alerts('quiet')).toEqual(['failed /fail?host=q1', 'recovered /0?host=q2']);
  });
});

// A database from before retention (migration 006) holds signals nobody has counted yet.
describe.skipIf(!DATABASE_URL)('upgrading a database from before retention', () => {
  afterAll(cleanUp);

  it('counts the signals it already held and prunes them like new ones', async () => {
    const schema = newSchema();
    let server = await startTestServer('postgres', { schema, pingRate: 0 });
    const name = uniqueProject();
    const { pingKey } = await adminClient(server).projects.applyConfig.mutate({
      config: { project: name, jobs: [job('old')], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    for (let n = 1; n <= 30; n++) await fetch(`${server.url}/ping/${pingKey}/old/log`, { method: 'POST', body: `line ${n}` });
    await server.close();
    const db = openPostgres({ url: DATABASE_URL!, schema });
    try {
      await db.query('drop table retention_counts, retention_cursor');
      await db.query('delete from pakyas_migrations where version in (6, 7)');
    } finally {
      await db.close();
    }
    server = await startTestServer('postgres', { schema, retention: RETENTION });
    try {
      const bodies = async () => (await adminClient(server).jobs.get.query({ project: name, job: 'old' })).signals.map((s) => s.body);
      const kept = async () => (await server.deps.db.query<{ n: number }>('select count(*)::int as n from signals'))[0]!.n;
      await eventually(async () => await kept() === 20, 10_000, 100);
      expect(await bodies()).toEqual(Array.from({ length: 10 }, (_, i) => `line ${30 - i}`));
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe('start-up with bad retention settings', () => {
  it.each([
    ['PAKYAS_RETENTION_SIGNALS', 'lots', "PAKYAS_RETENTION_SIGNALS must be a whole number from 10 up (the signals kept per job; default 1000), not 'lots'"],
    ['PAKYAS_RETENTION_SIGNALS', '5', "PAKYAS_RETENTION_SIGNALS must be a whole number from 10 up (the signals kept per job; default 1000), not '5'"],
    ['PAKYAS_RETENTION_DAYS', '1.5', "PAKYAS_RETENTION_DAYS must be a whole number from 1 to 36500 (the days timeline entries and alerts are kept; default 90), not '1.5'"],
    ['PAKYAS_RETENTION_ALERTS', '0', "PAKYAS_RETENTION_ALERTS must be a whole number from 1 up (the alerts kept per job; default 1000), not '0'"],
    ['PAKYAS_RETENTION_PROJECT_ALERTS', '1e6', "PAKYAS_RETENTION_PROJECT_ALERTS must be a whole number from 1 up (the alerts kept per project; default 100000), not '1e6'"],
    ['PAKYAS_RETENTION_INTERVAL', '0s', "PAKYAS_RETENTION_INTERVAL must be a duration from 1s to 1d, like 30s, 5m or 1h (the time between prune passes; default 1m), not '0s'"],
  ])('refuses to start with %s=%s and says what is allowed', async (name, value, message) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pakyas-retention-'));
    const r = await runCli(['server', '--port', '0', '--data-dir', dataDir], { env: { [name]: value, DATABASE_URL: undefined } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pakyas server: ${message}\n`);
  });
});
