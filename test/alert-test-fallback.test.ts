import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { ADMIN, applyNewProject, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

// `pakyas alert test CHANNEL` in a checkout whose secrets live in CI: the channel as applied on
// the server is what can be tested, and the command says that is what it did.
describe('pakyas alert test with the file\'s secrets not set', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let dir: string;
  let project: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer('pglite');
    project = uniqueProject('fallback');
    await applyNewProject(server, { project, channels: [{ name: 'ops', type: 'webhook', settings: { url: `${receiver.url}/applied` } }] });
    dir = mkdtempSync(join(tmpdir(), 'pakyas-alert-'));
    writeFileSync(join(dir, 'pakyas.yaml'), `version: 1\nproject: ${project}\nchannels:\n  ops:\n    type: webhook\n    url: \${PAKYAS_SECRET_OPS_URL}\n`);
  });
  afterAll(async () => { await server?.close(); await receiver?.close(); await cleanUp(); });

  const env = (o: Record<string, string | undefined> = {}) => ({ PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN, PAKYAS_SECRET_OPS_URL: undefined, ...o });

  it('tests the channel as applied on the server, and says so', async () => {
    const r = await runCli(['alert', 'test', 'ops'], { cwd: dir, env: env() });
    expect(r.stderr).toBe(`pakyas alert: PAKYAS_SECRET_OPS_URL is not set here, so the test goes to ops as applied to project ${project} on the server, not as pakyas.yaml writes it\n`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('✓ test alert sent to ops (webhook) as applied on the server\n');
    expect(receiver.received.map((x) => x.path)).toEqual(['/applied']);
    const json = JSON.parse((await runCli(['alert', 'test', 'ops', '--json'], { cwd: dir, env: env() })).stdout);
    expect(json).toMatchObject({ ok: true, source: 'server', note: expect.stringContaining('PAKYAS_SECRET_OPS_URL is not set here') });
  });

  it('uses the file\'s channel when its secrets are set', async () => {
    const r = await runCli(['alert', 'test', 'ops'], { cwd: dir, env: env({ PAKYAS_SECRET_OPS_URL: `${receiver.url}/from-file` }) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('✓ test alert sent to ops (webhook)\n');
    expect(receiver.received.at(-1)!.path).toBe('/from-file');
  });

  it('still refuses a file that is wrong for another reason', async () => {
    writeFileSync(join(dir, 'bad.yaml'), `version: 1\nproject: ${project}\nchannels:\n  ops:\n    type: webhook\n    url: \${GITHUB_TOKEN}\n`);
    const r = await runCli(['alert', 'test', 'ops', '-f', 'bad.yaml'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('reads a variable not named PAKYAS_SECRET_*');
  });
});
