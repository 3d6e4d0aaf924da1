import { describe, expect, it } from 'vitest';
import { useAlertRig } from './helpers/alert-rig.js';
import { webhookBody } from '../server/notify/webhook.js';
import { applyNewProject, eventually, hourlyJob, } from './helpers/server.js';

// With PAKYAS_PUBLIC_URL set, every channel's alert links to the job's page in the web view.
describe('alerts link to the job page', () => {
  const rig = useAlertRig('pglite', () => ({ publicUrl: 'https://pakyas.example.com/' }));

  it('in Slack, Discord, email, the webhook url field and PagerDuty links', async () => {
    const { project, pingKey } = await applyNewProject(rig.server, {
      jobs: [hourlyJob('nightly-backup')],
      channels: [
        { name: 'hook', type: 'webhook', settings: { url: `${rig.receiver.url}/hook` } },
        { name: 'ops', type: 'slack', settings: { webhook_url: `${rig.receiver.url}/slack` } },
        { name: 'chat', type: 'discord', settings: { webhook_url: `${rig.receiver.url}/discord` } },
        { name: 'oncall', type: 'pagerduty', settings: { routing_key: 'R0UTINGKEY', events_url: `${rig.receiver.url}/pd` } },
        { name: 'mail', type: 'email', settings: { smtp_url: rig.smtp.url, to: 'ops@example.com' } },
      ],
      routes: [{ match: { job: '*' }, notify: ['hook', 'ops', 'chat', 'oncall', 'mail'], on: ['failed'] }],
    });
    await fetch(`${rig.server.url}/ping/${pingKey}/nightly-backup/3`, { method: 'POST' });
    const url = `https://pakyas.example.com/jobs/${project}/nightly-backup`;
    const got = (path: string) => eventually(async () => rig.receiver.received.find((r) => r.path === path)?.json, 10_000);
    expect((await got('/hook')).url).toBe(url);
    expect((await got('/slack')).attachments[0].blocks.at(-1)).toEqual({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the job page' }, url }] });
    expect((await got('/discord')).embeds[0].url).toBe(url);
    expect((await got('/pd')).links).toEqual([{ href: url, text: `${project}/nightly-backup in Pakyas` }]);
    const mail = await eventually(async () => rig.smtp.mails[0], 10_000);
    const text = mail.raw.replace(/=\r?\n/g, ''); // quoted-printable soft line breaks
    expect(text).toContain(`Job page: ${url}`);
    expect(text).toContain(`<a href=3D"${url}">`);
  });

  it('and without a public URL, no link', () => {
    const body = JSON.parse(webhookBody({ id: 'x', project: 'p', job: 'j', transition: 'failed', from: 'pending', to: 'failed', at: '2026-01-01T00:00:00.000Z', reason: 'r', evidence: {} }));
    expect(body).not.toHaveProperty('url');
  });
});
