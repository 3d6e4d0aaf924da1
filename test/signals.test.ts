import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../schema/types.js';
import type { RunningServer } from '../server/main.js';
import { recordSignals, SignalQueue, type IncomingSignal } from '../server/signals.js';
import type { Queryable } from '../server/db/port.js';
import { runCli } from './helpers/cli.js';
import { ADMIN, adminClient, backends, cleanUp, eventually, startTestServer, uniqueProject } from './helpers/server.js';

const job = (name: string, o: Partial<JobSpec> = {}): JobSpec => ({
  name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...o,
});

describe.each(backends)('signals over HTTP on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  async function project(jobs: JobSpec[]) {
    const name = uniqueProject();
    const r = await adminClient(server).projects.applyConfig.mutate({
      config: { project: name, jobs, channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    const ping = (path: string, init?: RequestInit) => fetch(`${server.url}/ping/${r.pingKey}/${path}`, init);
    const status = async (j: string) => adminClient(server).jobs.get.query({ project: name, job: j });
    const timeline = async (j: string) => (await adminClient(server).jobs.timeline.query({ project: name, job: j, limit: 100 })).entries.map((e) => e.message).reverse();
    return { name, pingKey: r.pingKey, ping, status, timeline };
  }

  it('walks a job through Pending, On Schedule and Failed, and the timeline explains each', async () => {
    const p = await project([job('backup')]);
    expect((await p.status('backup')).state).toBe('pending');

    const ok = await p.ping('backup', { method: 'POST', body: 'all good' });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('OK\n');
    expect((await p.status('backup')).state).toBe('on_schedule');

    expect((await p.ping('backup/start')).status).toBe(200);
    expect((await p.status('backup')).state).toBe('running');
    expect((await p.status('backup')).health).toBe('on_schedule');
    expect((await p.ping('backup/3', { method: 'POST', body: 'error: disk full' })).status).toBe(200);

    const s = await p.status('backup');
    expect(s.state).toBe('failed');
    expect(s.lastRun).toMatchObject({ exitCode: 3, outcome: 'failed' });
    expect(s.signals[0]).toMatchObject({ kind: 'fail', exitCode: 3, body: 'error: disk full' });
    const t = await p.timeline('backup');
    expect(t.some((m) => m.startsWith('On Schedule (was Pending): exit code 0'))).toBe(true);
    expect(t.at(-2)).toMatch(/^Failed \(was On Schedule\): exit code 3 after \d/);
    expect(t.at(-1)).toBe('No route sends failed alerts of this job to a channel; nobody was notified');
  });

  it('marks a silent job Missing within a second of its 2s-grace deadline', async () => {
    const p = await project([job('heartbeat', { schedule: { kind: 'every', everySeconds: 1 }, graceSeconds: 2 })]);
    const created = await p.status('heartbeat');
    const deadline = Date.parse(created.deadline!);
    const seenAt = await eventually(async () => ((await p.status('heartbeat')).state === 'missing' ? Date.now() : null), 8000, 20);
    expect(seenAt - deadline).toBeLessThan(1000);
    expect((await p.timeline('heartbeat')).find((m) => m.startsWith('Missing'))).toMatch(/^Missing \(was Pending\): no execution signal was received for the run due \d\d:\d\d(:\d\d)? UTC \(deadline \d\d:\d\d(:\d\d)? UTC\)$/);
  });

  it('marks a run Overrunning past max_duration, and judges its finish', async () => {
    const p = await project([job('etl', { maxDurationSeconds: 1 })]);
    await p.ping(`etl/start?rid=${randomUUID()}`);
    await eventually(async () => (await p.status('etl')).state === 'overrunning', 5000, 20);
    expect((await p.timeline('etl')).at(-2)).toMatch(/^Overrunning \(was Pending\): the run that started .* has not finished after 1(\.\d)?s \(max_duration 1s\)$/);
    await p.ping('etl');
    expect((await p.status('etl')).state).toBe('on_schedule');
  });

  it('records signals of a paused job without judging them, and judges again after resume', async () => {
    const p = await project([job('report')]);
    const env = { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN };
    const paused = await runCli(['pause', `${p.name}/report`, '--reason', 'migrating the database'], { env });
    expect(paused.stdout).toContain('Paused');
    const r = await p.ping('report/fail');
    expect(await r.text()).toBe('OK (recorded; the job is paused)\n');
    const s = await p.status('report');
    expect(s.state).toBe('paused');
    expect(s.health).toBe(null);
    expect(s.signals[0]!.kind).toBe('fail');
    const resumed = await runCli(['resume', `${p.name}/report`], { env });
    expect(resumed.stdout).toContain('Pending; next run due');
    await p.ping('report');
    expect((await p.status('report')).state).toBe('on_schedule');
    const t = await p.timeline('report');
    expect(t).toContain('Paused by admin (PAKYAS_ADMIN_TOKEN): migrating the database. Signals are recorded but not judged, and nothing alerts');
    expect(t).toContain('Fail signal recorded while paused; it is not judged');
  });

  it('resumes by itself after pause --for', async () => {
    const p = await project([job('nightly')]);
    await adminClient(server).jobs.pause.mutate({ project: p.name, job: 'nightly', forSeconds: 1 });
    expect((await p.status('nightly')).state).toBe('paused');
    await eventually(async () => (await p.status('nightly')).state === 'pending', 5000, 20);
    expect((await p.timeline('nightly')).at(-1)).toMatch(/^Resumed by itself at the end of its pause; judging again/);
  });

  it('answers 404 for an unknown key or job and stores nothing', async () => {
    const p = await project([job('a')]);
    expect((await fetch(`${server.url}/ping/not-the-key/a`)).status).toBe(404);
    expect((await p.ping('no-such-job')).status).toBe(404);
    expect((await p.status('a')).signals).toEqual([]);
  });

  it("refuses a parameter it does not read, so another product's failure never reads as success", async () => {
    const p = await project([job('a')]);
    // Cronitor's state=, msg= and status_code= are read now (test/adopt-cronitor.test.ts).
    for (const query of ['status=error', 'exit_code=3', 'status=in_progress', 'check_in_id=1']) {
      const r = await p.ping(`a?${query}`);
      expect(r.status, query).toBe(400);
      expect(await r.text()).toMatch(/^Unknown parameter '\w+': this endpoint reads rid, duration_ms, host, ts.*; nothing was recorded/);
    }
    expect((await p.ping('a/start?state=run')).status).toBe(400);
    expect((await p.status('a')).signals).toEqual([]);
    expect((await p.ping('a/fail?exit_code=3')).status).toBe(200);
    expect((await p.status('a')).lastRun).toMatchObject({ exitCode: 3 });
  });

  it('answers 400 for a bad exit code, run id or replay time, and 413 for a huge body', async () => {
    const p = await project([job('a')]);
    const bad = await p.ping('a/256');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('use start, fail, log, success, or an exit code from 0 to 255');
    expect((await p.ping('a/start?rid=not-a-uuid')).status).toBe(400);
    expect((await p.ping(`a?ts=${Date.now() - 25 * 3600_000}`)).status).toBe(400);
    expect((await p.ping('a', { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) })).status).toBe(413);
    expect((await p.status('a')).signals).toEqual([]);
  });

  it('keeps the last 10 KB of a large body and says how much was cut', async () => {
    const p = await project([job('a')]);
    const body = `${'early line\n'.repeat(2000)}the error at the end\n`;
    expect((await p.ping('a/1', { method: 'POST', body })).status).toBe(200);
    const signal = (await p.status('a')).signals[0]!;
    expect(Buffer.byteLength(signal.body!)).toBe(10_000);
    expect(signal.body!.endsWith('the error at the end\n')).toBe(true);
    expect(signal.bodyCutBytes).toBe(Buffer.byteLength(body) - 10_000);
  });

  it('writes a log signal into the timeline as the first line of its body', async () => {
    const p = await project([job('a')]);
    expect((await p.ping('a/log', { method: 'POST', body: '\n  disk 91% full\r\n/var is at 88%\nchecked by cron\n' })).status).toBe(200);
    expect((await p.timeline('a')).at(-1)).toBe('Log: disk 91% full');
  });

  it('judges a replayed signal at the time it happened, and marks it', async () => {
    const p = await project([job('a', { schedule: { kind: 'every', everySeconds: 60 }, graceSeconds: 30 })]);
    const at = Date.now() - 5000;
    expect((await p.ping(`a?ts=${at}&duration_ms=1000`)).status).toBe(200);
    const s = await p.status('a');
    expect(s.lastRun!.finishedAt).toBe(new Date(at).toISOString());
    expect(s.signals[0]!.replayed).toBe(true);
    expect((await p.timeline('a')).at(-1)).toContain('(replayed later with the time it happened)');
  });

  it('closes the run with the same run id when runs overlap', async () => {
    const p = await project([job('a')]);
    const first = randomUUID();
    const second = randomUUID();
    await p.ping(`a/start?rid=${first}`);
    await p.ping(`a/start?rid=${second}`);
    await p.ping(`a/0?rid=${second}`);
    const s = await p.status('a');
    expect(s.running.map((r) => r.rid)).toEqual([first]);
    expect(s.state).toBe('running');
  });

  it('shows state in words with pakyas status, and the spec\'s JSON with --json', async () => {
    const p = await project([job('a'), job('b')]);
    await p.ping('a/2');
    const env = { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN };
    const text = await runCli(['status', '--project', p.name], { env });
    expect(text.stdout).toMatch(/^a\s+Failed\s+now, exit 2/m);
    expect(text.stdout).toMatch(/^b\s+Pending\s+never/m);
    const json = JSON.parse((await runCli(['status', `${p.name}/a`, '--json'], { env })).stdout);
    expect(json).toEqual([{
      project: p.name, job: 'a', uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-/), state: 'failed', health: 'failed',
      lastRun: { startedAt: null, finishedAt: expect.stringMatching(/Z$/), exitCode: 2, durationMs: null, output: null, outputCutBytes: 0 },
      due: expect.stringMatching(/Z$/), deadline: expect.stringMatching(/Z$/),
    }]);
  });

  it('sends a signal by hand with pakyas ping', async () => {
    const p = await project([job('a')]);
    const r = await runCli(['ping', 'a', 'fail', '--exit-code', '4', '-m', 'manual run failed'], { env: { PAKYAS_SERVER: server.url, PAKYAS_PING_KEY: p.pingKey } });
    expect(r.code).toBe(0);
    const s = await p.status('a');
    expect(s.lastRun!.exitCode).toBe(4);
    expect(s.signals[0]!.body).toBe('manual run failed');
  });

  const incoming = (pingKey: string, jobName: string, o: Partial<IncomingSignal> = {}): IncomingSignal => ({
    pingKey, job: jobName, kind: 'success', exitCode: null, rid: null, durationMs: null, host: null, userAgent: null,
    body: null, bodyCutBytes: 0, occurredAt: null, ...o,
  });
  const transactions = async () => Number(/pakyas_signal_transactions_total (\d+)/.exec(await (await fetch(`${server.url}/metrics`)).text())![1]);

  it('writes a batch for jobs it has just written in one statement, and says so in /metrics', async () => {
    const p = await project([job('cached')]);
    const batches = async () => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return (write: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`pakyas_signal_batches_total{write="${write}"} `));
        return line ? Number(line.split(' ')[1]) : 0;
      };
    };
    const earlier = await batches();
    // The apply wrote the job, so this process has it; a success owes no alert and moves no wake-up earlier.
    expect((await fetch(`${server.url}/ping/${p.pingKey}/cached`)).status).toBe(200);
    const later = await batches();
    expect(later('statement')).toBe(earlier('statement') + 1);
    expect(later('locked')).toBe(earlier('locked'));
    expect((await p.status('cached')).state).toBe('on_schedule');
  });

  it('writes signals that arrive together in shared transactions, and answers each on its own', async () => {
    const p = await project([job('a'), job('b'), job('c'), job('d')]);
    const before = await transactions();
    // From another process, as jobs send them: this process's event loop would pace the requests.
    const paths = [...['a', 'b', 'c', 'd'].flatMap((j) => Array(10).fill(j)), ...Array(5).fill('nope')];
    const script = `const http = require('node:http');
      const urls = ${JSON.stringify(paths.map((j) => `${server.url}/ping/${p.pingKey}/${j}`))};
      Promise.all(urls.map((u) => new Promise((ok) => http.request(u, { method: 'POST' }, (r) => { r.resume(); ok(r.statusCode); }).end())))
        .then((codes) => console.log(JSON.stringify(codes)));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script]);
    const codes = JSON.parse(stdout) as number[];
    expect(codes.slice(0, 40)).toEqual(Array(40).fill(200));
    expect(codes.slice(40)).toEqual(Array(5).fill(404));
    for (const j of ['a', 'b', 'c', 'd']) {
      const s = await p.status(j);
      expect(s.state).toBe('on_schedule');
      expect(s.signals.length).toBeGreaterThanOrEqual(10);
    }
    // 45 signals in fewer transactions: batches formed.
    expect(await transactions() - before).toBeLessThan(45);
  });

  it('judges the signals of one job in a batch in the order they arrived', async () => {
    const p = await project([job('ordered')]);
    const [r1, r2] = [randomUUID(), randomUUID()];
    const now = Date.now();
    const outcomes = await recordSignals(server.deps, [
      { signal: incoming(p.pingKey, 'ordered', { kind: 'start', rid: r1 }), now },
      { signal: incoming(p.pingKey, 'ordered', { kind: 'success', rid: r1 }), now: now + 1 },
      { signal: incoming(p.pingKey, 'missing-job'), now: now + 1 },
      { signal: incoming(p.pingKey, 'ordered', { kind: 'start', rid: r2 }), now: now + 2 },
      { signal: incoming(p.pingKey, 'ordered', { kind: 'fail', rid: r2, exitCode: 7 }), now: now + 3 },
    ]);
    expect(outcomes.map((o) => (o.ok ? o.status : o.reason))).toEqual(['running', 'on_schedule', 'not_found', 'running', 'failed']);
    const s = await p.status('ordered');
    expect(s.state).toBe('failed');
    expect(s.lastRun).toMatchObject({ exitCode: 7, outcome: 'failed' });
    expect(s.signals.map((x) => x.kind)).toEqual(['fail', 'start', 'success', 'start']);
    const t = await p.timeline('ordered');
    expect(t.findIndex((m) => m.startsWith('On Schedule (was Pending)'))).toBeLessThan(t.findIndex((m) => m.startsWith('Failed (was On Schedule)')));
    expect(t.findIndex((m) => m.startsWith('On Schedule (was Pending)'))).toBeGreaterThanOrEqual(0);
  });

  it('retries a batch that failed one signal per transaction, so no signal is lost with it', async () => {
    const p = await project([job('x'), job('y')]);
    // A deadlock with an apply is the real case; it is made to happen to the first batch's write
    // here, whichever way the batch is written (alone, or in a transaction).
    let writes = 0;
    const failFirstWrite = (q: Queryable): Queryable => ({
      query: <T>(text: string, params?: readonly unknown[]) => {
        if (text.includes('insert into signals') && writes++ === 0) return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
        return q.query<T>(text, params);
      },
    });
    const flaky = {
      ...server.deps,
      db: {
        ...server.deps.db,
        ...failFirstWrite(server.deps.db),
        transaction: <T>(fn: (tx: Queryable) => Promise<T>) => server.deps.db.transaction((tx) => fn(failFirstWrite(tx))),
      },
    };
    const queue = new SignalQueue(flaky, { concurrency: 1, maxBatch: 10 });
    const outcomes = await Promise.all([queue.record(incoming(p.pingKey, 'x')), queue.record(incoming(p.pingKey, 'y')), queue.record(incoming(p.pingKey, 'x', { kind: 'fail' }))]);
    expect(outcomes.map((o) => o.ok && o.status)).toEqual(['on_schedule', 'on_schedule', 'failed']);
    expect(writes).toBe(4); // the batch of three, then each alone
    expect((await p.status('x')).signals.map((x) => x.kind)).toEqual(['fail', 'success']);
  });

  it('reports states, signals and transitions on /metrics', async () => {
    const p = await project([job('m')]);
    await p.ping('m');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain(`pakyas_job_state{project="${p.name}",pakyas_job="m",state="on_schedule"} 1`);
    expect(text).toMatch(/pakyas_signals_total\{kind="success"\} \d+/);
    expect(text).toMatch(/pakyas_transitions_total\{to="on_schedule"\} \d+/);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
