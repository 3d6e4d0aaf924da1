import { describe, expect, it } from 'vitest';
import { useAlertRig } from './helpers/alert-rig.js';
import type { ChannelSpec, JobSpec, RouteSpec } from '../schema/types.js';
import { sign } from '../server/notify/webhook.js';
import { recordSignals } from '../server/signals.js';
import { runCli } from './helpers/cli.js';
import { startReceiver } from './helpers/receiver.js';
import { ADMIN, adminClient, backends, eventually, uniqueProject } from './helpers/server.js';

const job = (name: string, o: Partial<JobSpec> = {}): JobSpec => ({
  name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...o,
});
const SECRET = 'hook-secret-for-tests';

describe.each(backends)('alerts on %s', (backend) => {
  const rig = useAlertRig(backend, (smtp) => ({ alerts: { retryDelaySeconds: 0.3, retries: 3, timeoutMs: 1500, smtp: { url: smtp.url, from: 'pakyas@test.local' } } }));

  /** A project whose jobs alert to channels pointing at the local receivers. */
  async function project(jobs: JobSpec[], channels: ChannelSpec[], routes: RouteSpec[]) {
    const name = uniqueProject();
    const r = await adminClient(rig.server).projects.applyConfig.mutate({
      config: { project: name, jobs, channels, routes }, source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    const ping = (path: string, body?: string) => fetch(`${rig.server.url}/ping/${r.pingKey}/${path}`, { method: 'POST', ...(body ? { body } : {}) });
    const timeline = async (j: string) => (await adminClient(rig.server).jobs.timeline.query({ project: name, job: j, limit: 200 })).entries.map((e) => e.message).reverse();
    const mine = (path: string) => rig.receiver.received.filter((x) => x.path === path);
    return { name, ping, timeline, mine };
  }
  const hook = (path: string, extra: Record<string, string> = {}): ChannelSpec => ({ name: 'hook', type: 'webhook', settings: { url: `${rig.receiver.url}${path}`, ...extra } });
  const all: RouteSpec = { match: { job: '*' }, notify: ['hook'], on: ['failed', 'missing', 'overrunning', 'recovered'] };
  const settle = () => new Promise((r) => setTimeout(r, 600));

  it('alerts a failure and its recovery written in one batch, in order, each with its own output', async () => {
    const path = `/batch-${Date.now()}`;
    const p = await project([job('etl')], [hook(path)], [all]);
    await p.ping('etl');
    const pingKey = (await adminClient(rig.server).projects.list.query()).find((x) => x.project === p.name)!.pingKey!;
    const signal = (kind: 'fail' | 'success', body: string) => ({
      signal: { pingKey, job: 'etl', kind, exitCode: kind === 'fail' ? 2 : null, rid: null, durationMs: null, host: null, userAgent: null, body, bodyCutBytes: 0, occurredAt: null },
      now: Date.now(),
    });
    await recordSignals(rig.server.deps, [signal('fail', 'error: table locked'), signal('success', 'done: 12 rows')]);
    await eventually(async () => p.mine(path).length >= 2);
    await settle();
    const got = p.mine(path).map((r) => r.json);
    expect(got.map((a) => a.transition)).toEqual(['failed', 'recovered']);
    expect(got[0].evidence.outputTail).toBe('error: table locked');
    expect(got[1].evidence.outputTail).toBe('done: 12 rows');
  });

  it('judges a burst of deadlines in shared transactions and alerts each job once', async () => {
    const path = `/burst-${Date.now()}`;
    const names = Array.from({ length: 40 }, (_, i) => `j${i}`);
    const p = await project(names.map((n) => job(n, { schedule: { kind: 'every', everySeconds: 1 }, graceSeconds: 1 })), [hook(path)], [all]);
    await eventually(async () => new Set(p.mine(path).map((r) => r.json.job)).size === 40, 15_000, 100);
    await settle();
    const missing = p.mine(path).filter((r) => r.json.transition === 'missing').map((r) => r.json.job);
    expect(missing.sort()).toEqual([...names].sort());
    expect(await p.timeline('j7')).toContain('Alert sent to hook: missing');
  });

  it('alerts once per transition, never on repeats or the normal Running → On Schedule cycle', async () => {
    const path = `/once-${Date.now()}`;
    const p = await project([job('backup')], [hook(path)], [all]);
    await p.ping('backup');
    await p.ping('backup/start');
    await p.ping('backup');
    await p.ping('backup/3', 'error: disk full');
    await p.ping('backup/3');
    await p.ping('backup/fail');
    await p.ping('backup');
    await p.ping('backup');
    await eventually(async () => p.mine(path).length >= 2);
    await settle();
    expect(p.mine(path).map((r) => r.json.transition)).toEqual(['failed', 'recovered']);
    const failed = p.mine(path)[0]!.json;
    expect(failed).toMatchObject({ project: p.name, job: 'backup', from: 'on_schedule', to: 'failed', title: `${p.name}/backup is Failed` });
    expect(failed.reason).toMatch(/^Failed \(was On Schedule\): exit code 3/);
    expect(failed.evidence).toMatchObject({ exitCode: 3, outputTail: 'error: disk full' });
    expect(await p.timeline('backup')).toContain('Alert sent to hook: failed');
  });

  it('waits for alert_after consecutive bad runs, and owes no recovery when nothing was alerted', async () => {
    const path = `/after-${Date.now()}`;
    const p = await project([job('flaky', { alertAfter: 3 })], [hook(path)], [all]);
    await p.ping('flaky/1');
    await p.ping('flaky/1');
    await p.ping('flaky');
    await p.ping('flaky/1');
    await p.ping('flaky/1');
    await settle();
    expect(p.mine(path)).toEqual([]);
    await p.ping('flaky/1');
    await p.ping('flaky');
    await eventually(async () => p.mine(path).length >= 2);
    expect(p.mine(path).map((r) => [r.json.transition, r.json.reason.includes('(3 bad runs in a row)')])).toEqual([['failed', true], ['recovered', false]]);
  });

  it('delivers the missing alert within 2 seconds of the deadline', async () => {
    const path = `/missing-${Date.now()}`;
    const p = await project([job('heartbeat', { schedule: { kind: 'every', everySeconds: 1 }, graceSeconds: 1 })], [hook(path)], [all]);
    const deadline = Date.parse((await adminClient(rig.server).jobs.get.query({ project: p.name, job: 'heartbeat' })).deadline!);
    const got = await eventually(async () => p.mine(path)[0], 6000, 20);
    expect(got.json.transition).toBe('missing');
    expect(got.at - deadline).toBeLessThan(2000);
    expect(got.json.evidence.window).toMatch(/^\d\d:\d\d(:\d\d)?–\d\d:\d\d(:\d\d)? UTC$/);
  });

  it('retries a receiver\'s 500s with backoff, and says so in the timeline', async () => {
    const path = `/retry-${Date.now()}`;
    const p = await project([job('etl')], [hook(path)], [all]);
    rig.receiver.failNext(2);
    await p.ping('etl/fail');
    await eventually(async () => p.mine(path)[0], 8000);
    const t = await p.timeline('etl');
    expect(t).toContain('Alert to hook failed: HTTP 500, retry 1 of 3 in 300ms');
    expect(t).toContain('Alert to hook failed: HTTP 500, retry 2 of 3 in 600ms');
    expect(t).toContain('Alert sent to hook: failed (attempt 3)');
    expect(p.mine(path)).toHaveLength(1);
  });

  it('holds a recovery back while the failure it resolves is still being retried', async () => {
    const path = `/order-${Date.now()}`;
    const p = await project([job('etl')], [hook(path)], [all]);
    rig.receiver.failNext(2);
    await p.ping('etl/fail');
    await p.ping('etl');
    await eventually(async () => p.mine(path).length >= 2, 8000);
    expect(p.mine(path).map((r) => r.json.transition)).toEqual(['failed', 'recovered']);
    expect(await p.timeline('etl')).toContain('Alert sent to hook: failed (attempt 3)');
  });

  it('gives up after the last retry and says why', async () => {
    const path = `/give-up-${Date.now()}`;
    const p = await project([job('etl')], [hook(path)], [all]);
    rig.receiver.failNext(4);
    await p.ping('etl/fail');
    await eventually(async () => (await p.timeline('etl')).some((m) => m.startsWith('Alert to hook gave up')), 10_000);
    expect((await p.timeline('etl')).at(-1)).toBe('Alert to hook gave up after 4 attempts: HTTP 500');
  });

  it('signs webhook bodies with the secret, so that a receiver can verify them', async () => {
    const path = `/signed-${Date.now()}`;
    const p = await project([job('a')], [hook(path, { secret: SECRET })], [all]);
    await p.ping('a/fail');
    const got = await eventually(async () => p.mine(path)[0]);
    const timestamp = Number(got.headers['pakyas-timestamp']);
    expect(Math.abs(Date.now() / 1000 - timestamp)).toBeLessThan(30);
    expect(got.headers['pakyas-signature']).toBe(sign(SECRET, timestamp, got.raw));
    expect(got.headers['pakyas-signature']).not.toBe(sign('wrong', timestamp, got.raw));
    expect(got.headers['idempotency-key']).toBe(got.json.id);
  });

  it('triggers and resolves one PagerDuty incident per job with the same dedup key', async () => {
    const path = `/pd-${Date.now()}`;
    const p = await project([job('db-backup')], [{ name: 'oncall', type: 'pagerduty', settings: { routing_key: 'R0UTINGKEY', events_url: `${rig.receiver.url}${path}` } }],
      [{ match: { job: '*' }, notify: ['oncall'], on: ['failed', 'missing', 'overrunning', 'recovered'] }]);
    await p.ping('db-backup/2');
    await p.ping('db-backup');
    await eventually(async () => p.mine(path).length >= 2);
    const [trigger, resolve] = p.mine(path).map((r) => r.json);
    expect(trigger).toMatchObject({ routing_key: 'R0UTINGKEY', event_action: 'trigger', dedup_key: `pakyas/${p.name}/db-backup`, payload: { source: 'pakyas', severity: 'error', component: 'db-backup', group: p.name } });
    expect(resolve).toEqual({ routing_key: 'R0UTINGKEY', event_action: 'resolve', dedup_key: trigger.dedup_key });
  });

  it('posts Slack blocks coloured by state and names the Slack channel in the timeline', async () => {
    const path = `/slack-${Date.now()}`;
    const p = await project([job('a')], [{ name: 'ops', type: 'slack', settings: { webhook_url: `${rig.receiver.url}${path}`, channel: '#ops-alerts' } }],
      [{ match: { job: '*' }, notify: ['ops'], on: ['failed', 'recovered'] }]);
    await p.ping('a/fail');
    const got = await eventually(async () => p.mine(path)[0]);
    expect(got.json.text).toContain(`${p.name}/a is Failed`);
    expect(got.json.attachments[0].color).toBe('#e01e5a');
    expect(got.json.attachments[0].blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: `${p.name}/a is Failed` } });
    await eventually(async () => (await p.timeline('a')).includes('Alert sent to #ops-alerts: failed'));
  });

  it("shows a job's output in Slack and Discord as text: no mentions, no links", async () => {
    const hostile = 'done <!channel> <https://evil.example|click here> @everyone [docs](https://evil.example) & more';
    const slackPath = `/slack-hostile-${Date.now()}`;
    const discordPath = `/discord-hostile-${Date.now()}`;
    const p = await project([job('a')], [
      { name: 'ops', type: 'slack', settings: { webhook_url: `${rig.receiver.url}${slackPath}` } },
      { name: 'chat', type: 'discord', settings: { webhook_url: `${rig.receiver.url}${discordPath}` } },
    ], [{ match: { job: '*' }, notify: ['ops', 'chat'], on: ['failed'] }]);
    await p.ping('a/1', hostile);
    const slackMsg = (await eventually(async () => p.mine(slackPath)[0])).raw;
    expect(slackMsg).not.toContain('<!channel>');
    expect(slackMsg).not.toContain('<https://');
    expect(slackMsg).toContain('&lt;!channel&gt; &lt;https://evil.example|click here&gt;');
    const discordMsg = (await eventually(async () => p.mine(discordPath)[0])).json;
    expect(discordMsg.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(discordMsg)).not.toMatch(/@everyone/);
    expect(discordMsg.embeds[0].description).toContain('@\u200beveryone');
  });

  it('sends every time in ISO-8601 UTC, `from` as pending on a first transition, and the host as PagerDuty source', async () => {
    const hookPath = `/iso-${Date.now()}`;
    const pdPath = `/pd-host-${Date.now()}`;
    const p = await project([job('a', { maxDurationSeconds: 1 })], [
      hook(hookPath),
      { name: 'oncall', type: 'pagerduty', settings: { routing_key: 'R0UTINGKEY', events_url: `${rig.receiver.url}${pdPath}` } },
    ], [{ match: { job: '*' }, notify: ['hook', 'oncall'], on: ['overrunning'] }]);
    await p.ping('a/start?host=db-7');
    const got = (await eventually(async () => p.mine(hookPath)[0], 5000)).json;
    expect(got.from).toBe('pending');
    expect(got.evidence.startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const pd = (await eventually(async () => p.mine(pdPath)[0])).json;
    expect(pd.payload.source).toBe('db-7');

    const missingPath = `/iso-missing-${Date.now()}`;
    const q = await project([job('m', { schedule: { kind: 'every', everySeconds: 1 }, graceSeconds: 1 })], [hook(missingPath)], [all]);
    const missing = (await eventually(async () => q.mine(missingPath)[0], 5000)).json;
    expect(missing).toMatchObject({ transition: 'missing', from: 'pending' });
    for (const key of ['due', 'deadline']) expect(missing.evidence[key]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('resolves the incident a PagerDuty test alert opens, and says so', async () => {
    const path = `/pd-test-${Date.now()}`;
    const p = await project([job('a')], [{ name: 'oncall', type: 'pagerduty', settings: { routing_key: 'R0UTINGKEY', events_url: `${rig.receiver.url}${path}` } }], []);
    const r = await runCli(['alert', 'test', 'oncall', '--project', p.name], { env: { PAKYAS_SERVER: rig.server.url, PAKYAS_TOKEN: ADMIN } });
    expect(r.stdout).toContain('test alert sent to oncall (pagerduty); its test incident was resolved right after');
    const [trigger, resolve] = p.mine(path).map((x) => x.json);
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: `pakyas/${p.name}/test/test` });
    expect(resolve).toEqual({ routing_key: 'R0UTINGKEY', event_action: 'resolve', dedup_key: trigger.dedup_key });
  });

  it('posts a Discord embed', async () => {
    const path = `/discord-${Date.now()}`;
    const p = await project([job('a')], [{ name: 'chat', type: 'discord', settings: { webhook_url: `${rig.receiver.url}${path}` } }],
      [{ match: { job: '*' }, notify: ['chat'], on: ['failed'] }]);
    await p.ping('a/7');
    const got = await eventually(async () => p.mine(path)[0]);
    expect(got.json.embeds[0]).toMatchObject({ title: `${p.name}/a is Failed`, color: 0xe01e5a });
    expect(got.json.embeds[0].fields).toContainEqual({ name: 'Exit code', value: '7', inline: true });
  });

  it('sends email through SMTP with a plain-text and an HTML body', async () => {
    const p = await project([job('a')], [{ name: 'mail', type: 'email', settings: { to: ['ops@example.com', 'dev@example.com'] } }],
      [{ match: { job: '*' }, notify: ['mail'], on: ['failed'] }]);
    const before = rig.smtp.mails.length;
    await p.ping('a/2');
    const mail = await eventually(async () => rig.smtp.mails[before]);
    expect(mail.to).toEqual(['ops@example.com', 'dev@example.com']);
    expect(mail.from).toBe('pakyas@test.local');
    expect(mail.raw).toContain(`Subject: [Pakyas] ${p.name}/a is Failed`);
    expect(mail.raw).toContain('Content-Type: text/plain');
    expect(mail.raw).toContain('Content-Type: text/html');
  });

  it('sends a recovery only to the channels that heard the bad news', async () => {
    const path = `/recovery-${Date.now()}`;
    const channels: ChannelSpec[] = [
      { name: 'ops', type: 'webhook', settings: { url: `${rig.receiver.url}${path}/ops` } },
      { name: 'pager', type: 'webhook', settings: { url: `${rig.receiver.url}${path}/pager` } },
    ];
    const p = await project([job('a')], channels, [
      { match: { job: '*' }, notify: ['ops'], on: ['failed', 'recovered'] },
      { match: { job: '*' }, notify: ['pager'], on: ['missing', 'recovered'] },
    ]);
    await p.ping('a/1');
    await p.ping('a');
    await eventually(async () => p.mine(`${path}/ops`).length >= 2);
    await settle();
    expect(p.mine(`${path}/ops`).map((r) => r.json.transition)).toEqual(['failed', 'recovered']);
    expect(p.mine(`${path}/pager`)).toEqual([]);
  });

  it('says in the timeline when no route hears a bad transition', async () => {
    const p = await project([job('lonely')], [hook('/nobody')], [{ match: { job: 'other' }, notify: ['hook'], on: ['failed'] }]);
    await p.ping('lonely/1');
    expect(await p.timeline('lonely')).toContain('No route sends failed alerts of this job to a channel; nobody was notified');
  });

  it('does not let a hanging receiver hold up another channel', async () => {
    const path = `/fast-${Date.now()}`;
    const slow = await startReceiver();
    slow.hang(true);
    try {
      const p = await project([job('a'), job('b')], [
        { name: 'slow', type: 'webhook', settings: { url: `${slow.url}/slow` } },
        { name: 'fast', type: 'webhook', settings: { url: `${rig.receiver.url}${path}` } },
      ], [{ match: { job: 'a' }, notify: ['slow'], on: ['failed'] }, { match: { job: 'b' }, notify: ['fast'], on: ['failed'] }]);
      await p.ping('a/1');
      const sent = Date.now();
      await p.ping('b/1');
      const got = await eventually(async () => p.mine(path)[0], 5000, 20);
      expect(got.at - sent).toBeLessThan(1000);
    } finally {
      await slow.close();
    }
  });

  it('sends a test alert with pakyas alert test, from the file or from the server', async () => {
    const path = `/cli-test-${Date.now()}`;
    const p = await project([job('a')], [hook(path)], [all]);
    const env = { PAKYAS_SERVER: rig.server.url, PAKYAS_TOKEN: ADMIN };
    const fromServer = await runCli(['alert', 'test', 'hook', '--project', p.name], { env });
    expect(fromServer.stdout).toContain('test alert sent to hook (webhook)');
    expect(p.mine(path)[0]!.json).toMatchObject({ type: 'test', title: `Test alert from Pakyas for ${p.name}/test` });

    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join((await import('node:os')).tmpdir(), 'pakyas-alert-'));
    writeFileSync(join(dir, 'pakyas.yaml'), `version: 1\nproject: ${p.name}\nchannels:\n  broken:\n    type: webhook\n    url: \${PAKYAS_SECRET_HOOK_URL}\n`);
    const closed = await startReceiver();
    await closed.close();
    const failed = await runCli(['alert', 'test', 'broken'], { cwd: dir, env: { ...env, PAKYAS_SECRET_HOOK_URL: `${closed.url}/closed` } });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('the test alert to broken (webhook) failed: connection refused');
  });

  it('ends an attempt on a silent SMTP server within its timeout, and makes each attempt once', async () => {
    // A server that accepts and never greets. The timeouts are the transport's: as message
    // defaults they were ignored, and nodemailer waited 30 s, past the delivery's lease.
    const { createServer } = await import('node:net');
    let connections = 0;
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => { connections++; sockets.add(socket); socket.on('error', () => {}); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const p = await project([job('a')], [{ name: 'mail', type: 'email', settings: { to: ['ops@example.com'], smtp_url: `smtp://127.0.0.1:${port}` } }], [{ match: { job: '*' }, notify: ['mail'], on: ['failed'] }]);
      const sent = Date.now();
      await p.ping('a/1');
      const first = await eventually(async () => (await p.timeline('a')).find((l) => l.startsWith('Alert to mail failed')), 4000);
      expect(Date.now() - sent).toBeLessThan(4000);
      expect(first).toContain('timeout: no answer within 1.5s');
      const attempts = (await p.timeline('a')).filter((l) => l.startsWith('Alert to mail')).length;
      expect(connections).toBe(attempts);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("sends a URL's user and password as basic auth and never writes them, or its query, into the timeline", async () => {
    const path = `/creds-${Date.now()}`;
    const url = new URL(rig.receiver.url);
    const p = await project([job('a')], [{ name: 'hook', type: 'webhook', settings: { url: `http://alice:hunter2@${url.host}${path}?token=abc123` } }], [all]);
    rig.receiver.failNext(1, 500);
    await p.ping('a/1');
    const got = await eventually(async () => p.mine(`${path}?token=abc123`)[0], 5000);
    expect(got.headers.authorization).toBe(`Basic ${Buffer.from('alice:hunter2').toString('base64')}`);
    const lines = await p.timeline('a');
    expect(lines).toContain('Alert to hook failed: HTTP 500, retry 1 of 3 in 300ms');
    expect(lines.join('\n')).not.toMatch(/hunter2|abc123|alice/);

    const closed = await startReceiver();
    await closed.close();
    const q = await project([job('a')], [{ name: 'hook', type: 'webhook', settings: { url: `http://alice:hunter2@${new URL(closed.url).host}/x?token=abc123` } }], [all]);
    await q.ping('a/1');
    const line = await eventually(async () => (await q.timeline('a')).find((l) => l.startsWith('Alert to hook failed')));
    expect(line).toContain('connection refused');
    expect((await q.timeline('a')).join('\n')).not.toMatch(/hunter2|abc123|alice/);
  });

  it('does not follow a redirect, which could lead past the address guard', async () => {
    const { createServer } = await import('node:http');
    const target = `/redirected-${Date.now()}`;
    const redirector = createServer((_req, res) => { res.writeHead(302, { location: `${rig.receiver.url}${target}` }); res.end(); });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (redirector.address() as import('node:net').AddressInfo).port;
      const p = await project([job('a')], [{ name: 'hook', type: 'webhook', settings: { url: `http://127.0.0.1:${port}/go` } }], [all]);
      await p.ping('a/1');
      const line = await eventually(async () => (await p.timeline('a')).find((l) => l.startsWith('Alert to hook gave up')));
      expect(line).toContain('HTTP 302: the receiver redirects, and alerts do not follow redirects');
      expect(p.mine(target)).toHaveLength(0);
    } finally {
      redirector.close();
    }
  });
});
