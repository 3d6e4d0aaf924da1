import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { webhookBody } from '../server/notify/webhook.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { startSmtp } from './helpers/smtp.js';
import { applyNewProject, eventually, hourlyJob, startTestServer } from './helpers/server.js';

// With PAKYAS_PUBLIC_URL set, every channel's alert links to the job's page in the web view.
describe('alerts link to the job page', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    smtp = await startSmtp();
    server = await startTestServer('pglite', { publicUrl: 'https://pakyas.example.com/' });
  });
  afterAll(async () => { await server?.close(); await receiver?.close(); await smtp?.close(); });

  it('in Slack, Discord, email, the webhook url field and PagerDuty links', async () => {
    const { project, pingKey } = await applyNewProject(server, {
      jobs: [hourlyJob('nightly-backup')],
      channels: [
        { name: 'hook', type: 'webhook', settings: { url: `${receiver.url}/hook` } },
        { name: 'ops', type: 'slack', settings: { webhook_url: `${receiver.url}/slack` } },
        { name: 'chat', type: 'discord', settings: { webhook_url: `${receiver.url}/discord` } },
        { name: 'oncall', type: 'pagerduty', settings: { routing_key: 'R0UTINGKEY', events_url: `${receiver.url}/pd` } },
        { name: 'mail', type: 'email', settings: { smtp_url: smtp.url, to: 'ops@example.com' } },
      ],
      routes: [{ match: { job: '*' }, notify: ['hook', 'ops', 'chat', 'oncall', 'mail'], on: ['failed'] }],
    });
    await fetch(`${server.url}/ping/${pingKey}/nightly-backup/3`, { method: 'POST' });
    const url = `https://pakyas.example.com/jobs/${project}/nightly-backup`;
    const got = (path: string) => eventually(async () => receiver.received.find((r) => r.path === path)?.json, 10_000);
    expect((await got('/hook')).url).toBe(url);
    expect((await got('/slack')).attachments[0].blocks.at(-1)).toEqual({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the job page' }, url }] });
    expect((await got('/discord')).embeds[0].url).toBe(url);
    expect((await got('/pd')).links).toEqual([{ href: url, text: `${project}/nightly-backup in Pakyas` }]);
    const mail = await eventually(async () => smtp.mails[0], 10_000);
    const text = mail.raw.replace(/=\r?\n/g, ''); // quoted-printable soft line breaks
    expect(text).toContain(`Job page: ${url}`);
    expect(text).toContain(`<a href=3D"${url}">`);
  });

  it('and without a public URL, no link', () => {
    const body = JSON.parse(webhookBody({ id: 'x', project: 'p', job: 'j', transition: 'failed', from: 'pending', to: 'failed', at: '2026-01-01T00:00:00.000Z', reason: 'r', evidence: {} }));
    expect(body).not.toHaveProperty('url');
  });
});
