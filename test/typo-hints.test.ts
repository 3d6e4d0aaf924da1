import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { ADMIN, applyNewProject, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// A typo gets the name that was meant, wherever a name is typed.
describe('typos get a suggestion', () => {
  let server: RunningServer;
  let receiver: Receiver;
  let project: string;
  let pingKey: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer('pglite');
    ({ project, pingKey } = await applyNewProject(server, {
      jobs: [hourlyJob('weekly-report'), hourlyJob('nightly-backup')],
      channels: [{ name: 'ops-alerts', type: 'webhook', settings: { url: `${receiver.url}/ops` } }],
    }));
  });
  afterAll(async () => { await server?.close(); await receiver?.close(); await cleanUp(); });

  const env = () => ({ PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN, PAKYAS_PING_KEY: pingKey });

  it('in pakyas.yaml: an unknown key and an on: value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pakyas-typo-'));
    const file = join(dir, 'pakyas.yaml');
    writeFileSync(file, [
      'version: 1', 'project: billing',
      'channels:', '  ops:', '    type: webhook', '    url: https://hooks.example.com/x',
      'routes:', '  - match: { job: "*" }', '    notify: [ops]', '    on: [faild, recovered]',
      'jobs:', '  backup:', '    schedule: "0 3 * * *"', '    max_duraton: 2h', '',
    ].join('\n'));
    const r = await runCli(['validate', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}:10:10: routes[0].on[0]: "faild" is not allowed; did you mean "failed"? allowed values are: failed, missing, overrunning, late, recovered`);
    expect(r.stdout).toContain(`${file}:14:5: jobs.backup.max_duraton: unknown key 'max_duraton'; did you mean 'max_duration'? allowed keys are:`);
  });

  it.each([
    ['status', ['status', 'weekly-reprot']],
    ['timeline', ['timeline', 'weekly-reprot']],
    ['pause', ['pause', 'weekly-reprot']],
    ['resume', ['resume', 'weekly-reprot']],
  ])('in pakyas %s JOB', async (_name, args) => {
    const r = await runCli(args, { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pakyas: no job weekly-reprot; did you mean weekly-report (in project ${project})?\n`);
  });

  it('in PROJECT/JOB, for the project and for the job', async () => {
    expect((await runCli(['status', `${project}/weekly-reprot`], { env: env() })).stderr).toBe(`pakyas: no job weekly-reprot in project ${project}; did you mean weekly-report?\n`);
    const typo = `${project.slice(0, -1)}x`;
    expect((await runCli(['status', `${typo}/weekly-report`], { env: env() })).stderr).toBe(`pakyas: no project ${typo}; did you mean ${project}?\n`);
  });

  it('in pakyas ping and pakyas monitor, with the ping key', async () => {
    const ping = await runCli(['ping', 'weekly-reprot', 'success'], { env: env() });
    expect(ping.code).toBe(1);
    expect(ping.stderr).toBe("pakyas ping: the server answered 404: Not found: no job 'weekly-reprot' for this ping key; did you mean 'weekly-report'?\n");
    const monitor = await runCli(['monitor', 'nightly-bakcup', '-q', '--', 'true'], { env: env() });
    expect(monitor.code).toBe(0);
    expect(monitor.stderr).toContain("the server refused the start signal (404: Not found: no job 'nightly-bakcup' for this ping key; did you mean 'nightly-backup'?)");
    const kind = await runCli(['ping', 'weekly-report', 'sucess'], { env: env() });
    expect(kind.stderr).toBe("pakyas ping: 'sucess' is not a signal; did you mean 'success'? use start, success, fail or log\n");
  });

  it('in pakyas alert test CHANNEL', async () => {
    const r = await runCli(['alert', 'test', 'ops-alert', '--project', project], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pakyas: no channel ops-alert in project ${project}; did you mean ops-alerts?\n`);
  });
});
