import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentryDsn } from '../cli/adoption-lines.js';
import { dsnKey, pingKeyFromDsnKey } from '../server/core/foreign-ids.js';
import type { RunningServer } from '../server/main.js';
import { testProject, type TestProject } from './helpers/adopt.js';
import { backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

const run = promisify(execFile);
const JOB = join(import.meta.dirname, 'fixtures', 'adopt', 'sentry-job.mjs');

// A job that reports with the Sentry SDK moves to Pakyas by changing its DSN: the DSN's public key
// is the project's ping key. The SDK runs in its own process, as in a real job, so that its
// instrumentation of node:http stays out of the test runner.
describe.each(backends)('Sentry Crons check-ins on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const dsn = (p: TestProject) => sentryDsn(server.url, p.pingKey);
  const sdk = async (p: TestProject, mode: string, slug: string, env: Record<string, string> = {}) => {
    try {
      return (await run(process.execPath, [JOB, mode, slug], { env: { ...process.env, SENTRY_DSN: dsn(p), ...env }, timeout: 20_000 })).stdout;
    } catch (err) {
      // The job's own exit code (1 after its error) is the job's business, not the test's.
      return (err as { stdout: string }).stdout;
    }
  };

  it("uses the ping key as the DSN's public key, which Sentry's SDKs read as letters, digits and _ only", async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    expect(p.pingKey).toMatch(/^\w{32}$/);
    expect(dsn(p)).toBe(`http://${p.pingKey}@${new URL(server.url).host}/1`);
  });

  it('withMonitor around work that succeeds: in_progress then ok with a duration, one run', async () => {
    const p = await testProject(server, [hourlyJob('warehouse-sync')]);
    await sdk(p, 'ok', 'warehouse-sync');
    const s = await p.status('warehouse-sync');
    expect(s.state).toBe('on_schedule');
    const [finish, start] = s.signals;
    expect(start).toMatchObject({ kind: 'start' });
    expect(finish).toMatchObject({ kind: 'success' });
    expect(finish!.rid).toBe(start!.rid);
    expect(finish!.durationMs).toBeGreaterThanOrEqual(40);
  });

  it('withMonitor around work that throws: Failed, never healthy; the error event is dropped', async () => {
    const p = await testProject(server, [hourlyJob('warehouse-sync')]);
    await sdk(p, 'error', 'warehouse-sync');
    const s = await p.status('warehouse-sync');
    expect(s).toMatchObject({ state: 'failed', health: 'failed', lastRun: { outcome: 'failed' } });
    expect(s.signals.map((x) => x.kind)).toEqual(['fail', 'start']);
  });

  it('captureCheckIn by hand: the id it returns pairs the finish with its start', async () => {
    const p = await testProject(server, [hourlyJob('invoices')]);
    const id = (await sdk(p, 'in_progress', 'invoices')).trim();
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((await p.status('invoices')).state).toBe('running');
    await sdk(p, 'finish', 'invoices', { CHECK_IN_ID: id, STATUS: 'error' });
    const s = await p.status('invoices');
    expect(s.state).toBe('failed');
    expect(s.signals[0]).toMatchObject({ kind: 'fail', durationMs: 7250 });
    expect(s.signals[0]!.rid!.replace(/-/g, '')).toBe(id);
  });

  it('never creates a job from monitor_config: the check-in is refused and says what to declare', async () => {
    const p = await testProject(server, [hourlyJob('other')]);
    await sdk(p, 'configured', 'hourly-cleanup');
    await expect(p.status('hourly-cleanup')).rejects.toThrow();
    const r = await fetch(`${server.url}/api/1/envelope/?sentry_key=${p.pingKey}`, {
      method: 'POST',
      body: envelope([{ type: 'check_in' }, { check_in_id: randomUUID().replace(/-/g, ''), monitor_slug: 'hourly-cleanup', status: 'ok',
        monitor_config: { schedule: { type: 'crontab', value: '0 */2 * * *' }, checkin_margin: 5, max_runtime: 30, timezone: 'Europe/Berlin' } }]),
    });
    expect(r.status).toBe(404);
    expect((await r.json()).detail).toBe("Not found: no job 'hourly-cleanup' for this ping key; declare it under jobs: in pakyas.yaml and run pakyas apply, e.g. jobs: { hourly-cleanup: { schedule: \"0 */2 * * *\", timezone: Europe/Berlin, grace: 5m, max_duration: 30m } } (Pakyas never creates a job from monitor_config)");
  });
});

describe.each(backends)("Sentry's HTTP check-in endpoint and envelopes on %s", (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('takes in_progress then ok by query, with check_in_id and duration in seconds, answering 202', async () => {
    const p = await testProject(server, [hourlyJob('backup')]);
    const id = randomUUID();
    const start = await fetch(`${server.url}/api/1/cron/backup/${p.pingKey}/?status=in_progress&check_in_id=${id}`);
    expect([start.status, await start.text()]).toEqual([202, '']);
    expect((await p.status('backup')).state).toBe('running');
    const ok = await fetch(`${server.url}/api/1/cron/backup/${p.pingKey}/?status=ok&check_in_id=${id}&duration=2.5&environment=production`);
    expect(ok.status).toBe(202);
    const s = await p.status('backup');
    expect(s.state).toBe('on_schedule');
    expect(s.signals[0]).toMatchObject({ kind: 'success', rid: id, durationMs: 2500 });
  });

  it('takes a JSON body, the key as ?sentry_key= or X-Sentry-Auth, and error as a failure', async () => {
    const p = await testProject(server, [hourlyJob('a'), hourlyJob('b')]);
    const json = await fetch(`${server.url}/api/1/cron/a/?sentry_key=${p.pingKey}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'error', duration: 1 }),
    });
    expect(json.status).toBe(202);
    expect(await p.status('a')).toMatchObject({ state: 'failed', lastRun: { durationMs: 1000 } });
    const header = await fetch(`${server.url}/api/1/cron/b`, {
      method: 'POST', headers: { 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${p.pingKey}` }, body: '',
    });
    expect(header.status).toBe(400); // no status: nothing to record
    const ok = await fetch(`${server.url}/api/1/cron/b?status=ok`, { headers: { 'x-sentry-auth': `Sentry sentry_key=${p.pingKey}, sentry_version=7` } });
    expect(ok.status).toBe(202);
    expect((await p.status('b')).state).toBe('on_schedule');
  });

  it('takes a ping key made before keys left out "-" in the hex form its DSN carries', async () => {
    const old = 'ab-cdefghijklmnopqrstuvwxyz01234';
    expect(dsnKey(old)).toMatch(/^[0-9a-f]{64}$/);
    expect(pingKeyFromDsnKey(dsnKey(old))).toBe(old);
    expect(dsnKey('abc_DEF')).toBe('abc_DEF');
    const p = await testProject(server, [hourlyJob('a')]);
    const hex = Buffer.from(p.pingKey).toString('hex');
    expect((await fetch(`${server.url}/api/1/cron/a/${hex}/?status=ok`)).status).toBe(202);
    expect((await p.status('a')).state).toBe('on_schedule');
  });

  it('closes the oldest open run for the nil check_in_id, as Sentry pairs it with the latest', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    await fetch(`${server.url}/api/1/cron/a/${p.pingKey}/?status=in_progress`);
    await fetch(`${server.url}/api/1/cron/a/${p.pingKey}/?status=ok&check_in_id=00000000000000000000000000000000`);
    const s = await p.status('a');
    expect(s.state).toBe('on_schedule');
    expect(s.running).toEqual([]);
  });

  it('refuses statuses and fields it does not read, unknown jobs and keys, and records nothing', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const cases: Array<[string, number, RegExp]> = [
      [`/api/1/cron/a/${p.pingKey}/?status=missed`, 400, /status 'missed' is not one Pakyas reads/],
      [`/api/1/cron/a/${p.pingKey}/?status=ok&state=fail`, 400, /unknown parameter 'state'/],
      [`/api/1/cron/a/${p.pingKey}/?status=ok&check_in_id=nope`, 400, /check_in_id 'nope' is not a UUID/],
      [`/api/1/cron/a/${p.pingKey}/?status=ok&duration=-1`, 400, /duration '-1' is not a number of seconds/],
      [`/api/1/cron/not-declared/${p.pingKey}/?status=ok`, 404, /no job 'not-declared' for this ping key; declare it under jobs: in pakyas.yaml/],
      [`/api/1/cron/a/not-the-key/?status=ok`, 404, /no job 'a' for this ping key/],
      ['/api/1/cron/a/?status=ok', 401, /missing authorization/],
      ['/api/1/store/', 404, /not found/],
    ];
    for (const [path, status, detail] of cases) {
      const r = await fetch(`${server.url}${path}`);
      expect(r.status, path).toBe(status);
      expect((await r.json()).detail, path).toMatch(detail);
    }
    const noStatus = await fetch(`${server.url}/api/1/cron/a/${p.pingKey}/`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'fine' }),
    });
    expect([noStatus.status, (await noStatus.json()).detail]).toEqual([400, 'the check-in has no status: use in_progress, ok or error; nothing was recorded']);
    expect((await p.status('a')).signals).toEqual([]);
  });

  it("reads past the fields SDKs add to a check-in (Python's event_id, timestamp, platform, sdk…)", async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const checkIn = {
      type: 'check_in', monitor_slug: 'a', check_in_id: randomUUID().replace(/-/g, ''), status: 'error', duration: null, environment: 'production',
      release: null, event_id: randomUUID().replace(/-/g, ''), timestamp: new Date().toISOString(), platform: 'python', server_name: 'worker-1',
      sdk: { name: 'sentry.python', version: '2.19.0' }, contexts: { trace: { trace_id: randomUUID().replace(/-/g, '') } },
    };
    const r = await fetch(`${server.url}/api/1/envelope/?sentry_key=${p.pingKey}`, { method: 'POST', body: envelope([{ type: 'check_in' }, checkIn]) });
    expect(r.status).toBe(200);
    expect((await p.status('a')).state).toBe('failed');
  });

  it('reads check_in items from a gzipped envelope, with length-prefixed payloads, and drops every other item', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const event = JSON.stringify({ event_id: randomUUID().replace(/-/g, ''), message: 'boom\nwith a newline' });
    const body = gzipSync(Buffer.from([
      JSON.stringify({ dsn: `http://${p.pingKey}@pakyas.example.com/42`, sent_at: new Date().toISOString() }),
      JSON.stringify({ type: 'event', length: Buffer.byteLength(event) }), event,
      JSON.stringify({ type: 'session' }), JSON.stringify({ sid: 'x', status: 'ok' }),
      JSON.stringify({ type: 'check_in' }), JSON.stringify({ check_in_id: randomUUID().replace(/-/g, ''), monitor_slug: 'a', status: 'error' }),
      '',
    ].join('\n')));
    const r = await fetch(`${server.url}/api/42/envelope/`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body });
    expect([r.status, await r.json()]).toEqual([200, {}]);
    expect(await p.status('a')).toMatchObject({ state: 'failed' });
  });

  it('accepts an envelope without check-ins without looking at its key, and refuses a broken one', async () => {
    const only = envelope([{ type: 'transaction' }, { spans: [] }]);
    expect((await fetch(`${server.url}/api/1/envelope/`, { method: 'POST', body: only })).status).toBe(200);
    const broken = await fetch(`${server.url}/api/1/envelope/?sentry_key=k`, { method: 'POST', body: '{"dsn":1}\n{"type":"check_in","length":999}\n{}' });
    expect(broken.status).toBe(400);
    expect((await broken.json()).detail).toMatch(/^bad envelope: item 1 \(check_in\) says it is 999 bytes long/);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    const big = await fetch(`${server.url}/api/1/envelope/`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: bomb });
    expect(big.status).toBe(413);
  });
});

/** Envelope text from alternating item headers and payloads (objects), headed by an empty header. */
function envelope(parts: object[]): string {
  return [JSON.stringify({}), ...parts.map((x) => JSON.stringify(x))].join('\n');
}
