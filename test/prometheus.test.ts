// What Prometheus reads: the server's /metrics through `promtool check metrics`, and the example
// alerting rules through `promtool check rules`. promtool comes with Debian's `prometheus` package,
// which .ci/run installs; elsewhere these tests say they were skipped.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { repoRoot } from './helpers/cli.js';
import { adminClient, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

const hasPromtool = spawnSync('promtool', ['--version']).status === 0;

describe.skipIf(!hasPromtool)('Prometheus reads /metrics', () => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backends[0]!); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('passes promtool check metrics, with the job name in pakyas_job rather than the job label Prometheus owns', async () => {
    const project = uniqueProject();
    const applied = await adminClient(server).projects.applyConfig.mutate({
      config: {
        project, channels: [], routes: [],
        jobs: ['nightly-backup', 'etl_import'].map((name) => ({
          name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1,
        })),
      },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    await fetch(`${server.url}/ping/${applied.pingKey}/nightly-backup/3`, { method: 'POST' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(text).toContain(`pakyas_job_state{project="${project}",pakyas_job="nightly-backup",state="failed"} 1`);
    expect(text).not.toMatch(/[{,]job="/);
  });

  it('accepts the example alerting rules', () => {
    const check = spawnSync('promtool', ['check', 'rules', join(repoRoot, 'examples', 'prometheus', 'pakyas-rules.yml')], { encoding: 'utf8' });
    expect(check.stdout).toContain('SUCCESS: 5 rules found');
    expect(check.status).toBe(0);
  });
});
