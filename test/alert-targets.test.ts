// Attacks on the server through the targets a project token chooses for its alerts: loopback and
// private addresses (server-side request forgery), the operator's SMTP account as an open relay,
// and channel settings stored before the server checked them.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useAlertRig } from './helpers/alert-rig.js';
import { createClient } from '../cli/client.js';
import type { ChannelSpec, JobSpec, RouteSpec } from '../schema/types.js';
import { parseSmtpUrl } from '../schema/channels.js';
import { upsertChannel } from '../server/db/config.js';
import { findProjectByName } from '../server/db/projects.js';
import { isPrivateAddress } from '../server/notify/guard.js';
import { post } from '../server/notify/http.js';
import { startReceiver } from './helpers/receiver.js';
import { adminClient, backends, eventually, uniqueProject } from './helpers/server.js';

const job = (name: string): JobSpec => ({
  name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1,
});
const source = { commit: null, ref: null, author: null, source: 'test' };

describe('which addresses are private', () => {
  it.each([
    ['127.0.0.1', true], ['127.8.9.10', true], ['0.0.0.0', true], ['10.1.2.3', true], ['172.16.0.1', true], ['172.31.255.255', true],
    ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true], ['224.0.0.1', true], ['255.255.255.255', true],
    ['::1', true], ['::', true], ['fe80::1', true], ['fd00::1', true], ['fc00::5', true], ['ff02::1', true],
    ['::ffff:127.0.0.1', true], ['::ffff:7f00:1', true], ['::ffff:169.254.169.254', true], ['64:ff9b::10.0.0.1', true], ['2002:7f00:1::1', true],
    ['not-an-address', true],
    ['8.8.8.8', false], ['1.1.1.1', false], ['172.32.0.1', false], ['100.128.0.1', false], ['2606:4700::1111', false], ['::ffff:8.8.8.8', false],
  ])('%s is private: %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

describe('SMTP URLs are parsed into host, port, TLS and credentials only', () => {
  it('reads scheme, credentials, host and port', () => {
    expect(parseSmtpUrl('smtps://us%40er:p%3Ass@smtp.example.com:2465')).toEqual({ ok: true, value: { host: 'smtp.example.com', port: 2465, secure: true, auth: { user: 'us@er', pass: 'p:ss' } } });
    expect(parseSmtpUrl('smtp://mail.example.com')).toEqual({ ok: true, value: { host: 'mail.example.com', port: 587, secure: false, auth: null } });
    expect(parseSmtpUrl('smtp://[::1]:25/')).toMatchObject({ ok: true, value: { host: '::1', port: 25 } });
  });

  it.each([
    ['smtp://x/?sendmail=true&path=/bin/sh&args=-c&args=id', 'query string'],
    ['smtp://x?pool=true', 'query string'],
    ['smtp://x/#frag', 'fragment'],
    ['smtp://x/some/path', 'path'],
    ['http://x', 'smtp://'],
    ['sendmail://x', 'smtp://'],
    ['not a url', 'not a URL'],
  ])('refuses %s', (url, why) => {
    const r = parseSmtpUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(why);
      expect(r.message).not.toContain('/bin/sh');
    }
  });

  it('never connects to a private literal address, and says so without the URL', async () => {
    // 169.254.169.254 is where cloud metadata lives; the guard refuses it before any packet leaves.
    const r = await post('http://user:hunter2@169.254.169.254/latest/meta-data?token=abc', '{}', {}, { timeoutMs: 1000, signal: AbortSignal.timeout(1000), allowPrivate: false, smtp: {} });
    expect(r).toMatchObject({ ok: false, retryable: false });
    expect(JSON.stringify(r)).toContain('refused');
    expect(JSON.stringify(r)).not.toMatch(/hunter2|abc|169\.254/);
  });
});

describe.each(backends)('alert targets chosen by a project token, on %s', (backend) => {
  // As an operator runs it: private targets refused; the operator's own SMTP account (trusted,
  // here on loopback) limited to one domain.
  const rig = useAlertRig(backend, (smtp) => ({
    alerts: { allowPrivate: false, retries: 0, retryDelaySeconds: 0.2, timeoutMs: 1500, smtp: { url: smtp.url, from: 'alerts@ops.example.com', allowedDomains: ['example.com'] } },
  }));

  /** A project applied by the admin, with a read-write token of its own, as a team gets from its operator. */
  async function project(channels: ChannelSpec[]) {
    const name = uniqueProject();
    const routes: RouteSpec[] = channels.length ? [{ match: { job: '*' }, notify: channels.map((c) => c.name), on: ['failed'] }] : [];
    const applied = await adminClient(rig.server).projects.applyConfig.mutate({ config: { project: name, jobs: [job('a')], channels, routes }, source, expectedRevision: null });
    const { token } = await adminClient(rig.server).tokens.create.mutate({ project: name });
    const client = createClient({ server: rig.server.url, token });
    const fail = () => fetch(`${rig.server.url}/ping/${applied.pingKey}/a/fail`, { method: 'POST' });
    const timeline = async () => (await adminClient(rig.server).jobs.timeline.query({ project: name, job: 'a', limit: 100 })).entries.map((e) => e.message).reverse();
    return { name, client, fail, timeline };
  }

  it('refuses webhook targets on loopback, by address and by name, and says the same whether the port is open or closed', async () => {
    const closed = await startReceiver();
    await closed.close();
    const port = (u: string) => new URL(u).port;
    const p = await project([
      { name: 'open', type: 'webhook', settings: { url: `${rig.receiver.url}/ssrf-open` } },
      { name: 'closed', type: 'webhook', settings: { url: `${closed.url}/ssrf-closed` } },
      { name: 'byname', type: 'webhook', settings: { url: `http://localhost:${port(rig.receiver.url)}/ssrf-name` } },
      { name: 'v6', type: 'webhook', settings: { url: `http://[::ffff:127.0.0.1]:${port(rig.receiver.url)}/ssrf-v6` } },
    ]);
    const before = rig.receiver.arrived();
    await p.fail();
    const gaveUp = await eventually(async () => {
      const lines = (await p.timeline()).filter((l) => l.includes('gave up'));
      return lines.length === 4 && lines;
    }, 10_000);
    const why = gaveUp.map((l) => l.slice(l.indexOf(':', l.indexOf('gave up'))));
    expect(new Set(why).size).toBe(1); // an open and a closed port read the same: no port scanner
    expect(why[0]).toContain('refused: the target resolves to a loopback, link-local, private or unspecified address');
    expect(why[0]).toContain('PAKYAS_ALERT_ALLOW_PRIVATE=true');
    expect(rig.receiver.arrived()).toBe(before);
  });

  it('lets a project token test only channels as applied, not a target given inline', async () => {
    const p = await project([{ name: 'hook', type: 'webhook', settings: { url: `${rig.receiver.url}/inline` } }]);
    const before = rig.receiver.arrived();
    await expect(p.client.alerts.test.mutate({ project: p.name, channel: 'x', spec: { name: 'x', type: 'webhook', settings: { url: `${rig.receiver.url}/inline` } } }))
      .rejects.toThrow(/needs an admin token.*pakyas alert test x --project/);
    const applied = await p.client.alerts.test.mutate({ project: p.name, channel: 'hook' });
    expect(applied).toMatchObject({ ok: false });
    expect((applied as { error: string }).error).toContain('refused');
    expect(rig.receiver.arrived()).toBe(before);
  });

  it('refuses a channel of its own whose SMTP server is on a loopback address', async () => {
    const p = await project([{ name: 'mail', type: 'email', settings: { to: ['ops@example.com'], smtp_url: rig.smtp.url } }]);
    const before = rig.smtp.mails.length;
    await p.fail();
    const line = await eventually(async () => (await p.timeline()).find((l) => l.startsWith('Alert to mail gave up')));
    expect(line).toContain('refused: the target resolves to a loopback');
    expect(rig.smtp.mails.length).toBe(before);
  });

  it("sends through the operator's SMTP account only as the operator's sender, and only to allowed domains", async () => {
    const apply = (channels: ChannelSpec[]) => project(channels);
    await expect(apply([{ name: 'mail', type: 'email', settings: { to: ['ops@example.com'], from: 'ceo@bank.example' } }]))
      .rejects.toThrow(/from needs the channel's own smtp_url/);

    const ok = await project([{ name: 'mail', type: 'email', settings: { to: ['oncall@team.example.com'] } }]);
    const before = rig.smtp.mails.length;
    await ok.fail();
    const mail = await eventually(async () => rig.smtp.mails[before]);
    expect(mail.from).toBe('alerts@ops.example.com');
    expect(mail.to).toEqual(['oncall@team.example.com']);

    // One entry holding two addresses is two recipients, each checked.
    const relay = await project([{ name: 'mail', type: 'email', settings: { to: ['ops@example.com, buyer@elsewhere.test'] } }]);
    await relay.fail();
    const line = await eventually(async () => (await relay.timeline()).find((l) => l.startsWith('Alert to mail gave up')));
    expect(line).toContain('recipient domain elsewhere.test is not allowed');
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.smtp.mails.length).toBe(before + 1);
  });

  it('will not send through a channel stored before its settings were checked', async () => {
    // A database from before the server checked channel settings may hold one that runs a program.
    const marker = join(tmpdir(), `pakyas-pwned-${process.pid}-${Date.now()}`);
    const p = await project([{ name: 'mail', type: 'email', settings: { to: ['ops@example.com'] } }]);
    const row = (await findProjectByName(rig.server.deps.db, p.name))!;
    await upsertChannel(rig.server.deps.db, row.id, { name: 'mail', type: 'email', settings: { to: ['ops@example.com'], smtp_url: `smtp://127.0.0.1:1/?sendmail=true&path=/bin/sh&args=-c&args=touch%20${marker}` } });
    await p.fail();
    const line = await eventually(async () => (await p.timeline()).find((l) => l.startsWith('Alert to mail gave up')));
    expect(line).toContain("the channel's settings are refused: smtp_url may not have a query string");
    expect(line).not.toContain('/bin/sh');
    await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses channel URLs of other schemes and SMTP URLs with options at apply, for any token', async () => {
    const p = await project([]);
    const config = (settings: Record<string, string | string[]>, type: ChannelSpec['type']) => ({
      config: { project: p.name, jobs: [job('a')], channels: [{ name: 'c', type, settings }], routes: [] }, source, expectedRevision: null,
    });
    await expect(p.client.projects.applyConfig.mutate(config({ url: 'file:///etc/passwd' }, 'webhook'))).rejects.toThrow(/url must be an http:\/\/ or https:\/\/ URL/);
    await expect(p.client.projects.applyConfig.mutate(config({ routing_key: 'k', events_url: 'gopher://x' }, 'pagerduty'))).rejects.toThrow(/events_url must be an http/);
    await expect(p.client.projects.applyConfig.mutate(config({ to: ['a@example.com'], smtp_url: 'smtp://x/?sendmail=true&path=/bin/sh' }, 'email'))).rejects.toThrow(/may not have a query string/);
    await expect(p.client.projects.applyConfig.mutate(config({ url: 'https://x.example', command: 'id' }, 'webhook'))).rejects.toThrow(/no setting command/);
    // What the file's schema requires, the API requires too: a channel with nowhere to send.
    await expect(p.client.projects.applyConfig.mutate(config({ secret: 's' }, 'webhook'))).rejects.toThrow(/webhook channels need url/);
    await expect(p.client.projects.applyConfig.mutate(config({ events_url: 'https://gw.example' }, 'pagerduty'))).rejects.toThrow(/pagerduty channels need routing_key/);
  });
});
