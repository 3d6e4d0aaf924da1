import Cronitor from 'cronitor';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { testProject, type TestProject } from './helpers/adopt.js';
import { backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// A job that uses Cronitor's own client moves to Pakyas by pointing the client at it: the API key
// is the project's ping key, the monitor key is the job's name. The client hard-codes its host
// (https://cronitor.link) and builds /ping/{apiKey}/{monitorKey}?state=…; the test replaces only
// that host, and every URL, parameter and retry is the client's own.
describe.each(backends)('Cronitor telemetry from the cronitor client on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  function client(p: TestProject, config: Record<string, string> = {}) {
    const cronitor = Cronitor(p.pingKey, config);
    const cronitorUrl = cronitor._api.pingUrl;
    cronitor._api.pingUrl = (key: string) => cronitorUrl(key).replace(/^https:\/\/cronitor\.link/, server.url);
    return cronitor;
  }

  it('wraps a job: run then complete, paired by series, the returned text as the message', async () => {
    const p = await testProject(server, [hourlyJob('nightly-report')]);
    const job = client(p).wrap('nightly-report', async () => 'sent 41 invoices');
    expect(await job(undefined)).toBe('sent 41 invoices');
    const s = await p.status('nightly-report');
    expect(s.state).toBe('on_schedule');
    const [finish, start] = s.signals;
    expect(start).toMatchObject({ kind: 'start' });
    expect(finish).toMatchObject({ kind: 'success', body: 'sent 41 invoices' });
    expect(finish!.rid).toBe(start!.rid);
    expect(finish!.rid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('makes a wrapped job that throws Failed, with the error as the message', async () => {
    const p = await testProject(server, [hourlyJob('etl')]);
    const job = client(p).wrap('etl', async () => { throw new Error('upstream 502'); });
    await job(undefined);
    const s = await p.status('etl');
    expect(s).toMatchObject({ state: 'failed', health: 'failed', lastRun: { outcome: 'failed' } });
    expect(s.signals[0]).toMatchObject({ kind: 'fail', body: 'Error: upstream 502' });
  });

  it('takes ping() with each state, host, env and a duration metric', async () => {
    const p = await testProject(server, [hourlyJob('sync')]);
    const monitor = new (client(p, { environment: 'production' }).Monitor)('sync');
    expect(await monitor.ping({ state: 'run', series: 'abc-1', host: 'worker-3' })).toBe(true);
    expect((await p.status('sync')).running[0]).toMatchObject({ host: 'worker-3' });
    expect(await monitor.ping({ state: 'complete', series: 'abc-1', metrics: { duration: 12.5 }, message: 'ok' })).toBe(true);
    const s = await p.status('sync');
    expect(s.state).toBe('on_schedule');
    expect(s.signals[0]).toMatchObject({ kind: 'success', durationMs: 12_500 });
    expect(await monitor.ping({ state: 'fail', message: 'lost the lock' })).toBe(true);
    expect((await p.status('sync')).state).toBe('failed');
    expect(await monitor.ok()).toBe(true);
    expect((await p.status('sync')).state).not.toBe('failed');
  });

  it('counts events: a flush with errors is a failure, one without is a success', async () => {
    const p = await testProject(server, [hourlyJob('queue'), hourlyJob('queue-errors')]);
    const c = client(p);
    const quiet = new c.Event('queue', { intervalSeconds: 3600 });
    quiet.tick(5);
    await quiet.stop();
    expect((await p.status('queue')).state).toBe('on_schedule');
    const noisy = new c.Event('queue-errors', { intervalSeconds: 3600 });
    noisy.tick(5);
    noisy.error();
    await noisy.stop();
    expect((await p.status('queue-errors')).state).toBe('failed');
  });

  it('refuses a monitor that is not a job, and the client reports the failure', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await new (client(p).Monitor)('not-declared').ping({ state: 'run' })).toBe(false);
    } finally {
      errors.mockRestore();
    }
    const r = await fetch(`${server.url}/ping/${p.pingKey}/not-declared?state=run`);
    expect(r.status).toBe(404);
    expect(await r.text()).toContain("no job 'not-declared' for this ping key; declare it under jobs: in pakyas.yaml");
  });

  it('reads exit codes from status_code, as cronitor exec sends them: a non-zero code is a failure', async () => {
    const p = await testProject(server, [hourlyJob('a'), hourlyJob('b')]);
    const ping = (q: string) => fetch(`${server.url}/ping/${p.pingKey}/${q}`);
    expect((await ping('a?state=run&series=s1')).status).toBe(200);
    expect((await ping('a?state=complete&series=s1&status_code=1&message=exit+1')).status).toBe(200);
    expect(await p.status('a')).toMatchObject({ state: 'failed', lastRun: { exitCode: 1 } });
    expect((await ping('b?state=complete&status_code=0&metric=duration:3')).status).toBe(200);
    expect(await p.status('b')).toMatchObject({ state: 'on_schedule', lastRun: { exitCode: 0, durationMs: 3000 } });
  });

  it('reaches a job from a monitor key with capitals, as Pakyas names are lowercase', async () => {
    const p = await testProject(server, [hourlyJob('nightlybackup')]);
    expect(await new (client(p).Monitor)('NightlyBackup').ping({ state: 'complete' })).toBe(true);
    expect((await p.status('nightlybackup')).state).toBe('on_schedule');
  });

  it('refuses what it cannot read for sure, and records nothing', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const cases: Array<[string, RegExp]> = [
      ['a?state=explode', /^Bad state 'explode': Cronitor's states are run, complete, fail, ok, tick/],
      ['a?state=complete&metric=latency:3', /^Bad metric 'latency:3'/],
      ['a?state=complete&rid=x', /^Unknown parameter 'rid' for a Cronitor signal/],
      ['a?state=run&status_code=0', /^status_code goes with a finish/],
      ['a?state=complete&status_code=300', /^Bad status_code '300'/],
      ['a/start?state=run', /^Cronitor's state= goes on \/ping\/\{pingKey\}\/\{job\} with no \/start after it/],
      ['a?state=ok&state=fail', /^Parameter 'state' is given twice/],
    ];
    for (const [path, message] of cases) {
      const r = await fetch(`${server.url}/ping/${p.pingKey}/${path}`);
      expect(r.status, path).toBe(400);
      expect(await r.text(), path).toMatch(message);
    }
    expect((await p.status('a')).signals).toEqual([]);
  });
});

describe.each(backends)("Cronitor's /p/ telemetry path on %s", (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('reads /p/{key}/{job} as /ping/{key}/{job}: a bare ping is a heartbeat, state=fail a failure', async () => {
    const p = await testProject(server, [hourlyJob('heartbeat'), hourlyJob('etl')]);
    expect((await fetch(`${server.url}/p/${p.pingKey}/heartbeat`)).status).toBe(200);
    expect((await p.status('heartbeat')).state).toBe('on_schedule');
    expect((await fetch(`${server.url}/p/${p.pingKey}/etl/?state=fail&message=boom`)).status).toBe(200);
    expect(await p.status('etl')).toMatchObject({ state: 'failed', signals: [{ kind: 'fail', body: 'boom' }] });
    expect((await fetch(`${server.url}/p/${p.pingKey}/not-declared?state=run`)).status).toBe(404);
  });
});
