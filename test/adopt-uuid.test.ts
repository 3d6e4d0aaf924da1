import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelinePane } from '../cli/dashboard/TimelinePane.js';
import type { JobRow } from '../cli/dashboard/source.js';
import { createClient } from '../cli/client.js';
import { loadConfig } from '../schema/load.js';
import { planChanges } from '../server/core/plan.js';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { ADMIN, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('a job UUID in pakyas.yaml', () => {
  const file = (jobs: string) => `version: 1\nproject: billing\njobs:\n${jobs}`;

  it('is read in any case and kept lowercase, and plan shows it as a field of the job', () => {
    const r = loadConfig(file('  backup:\n    every: 1h\n    uuid: 31365BCE-8DA9-4729-8FF3-AAA71D56B712\n'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config.jobs[0]!.uuid).toBe('31365bce-8da9-4729-8ff3-aaa71d56b712');
    const without = loadConfig(file('  backup:\n    every: 1h\n'));
    if (!without.ok) throw new Error('');
    expect('uuid' in without.config.jobs[0]!).toBe(false);
    const [change] = planChanges(r.config, without.config);
    expect(change).toMatchObject({ kind: 'job', action: 'update', fields: [{ field: 'uuid', from: null, to: '31365bce-8da9-4729-8ff3-aaa71d56b712' }] });
  });

  it('must be a UUID, and each job has its own', () => {
    const bad = loadConfig(file('  a:\n    every: 1h\n    uuid: 31365bce\n'), { file: 'p.yaml' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors[0]).toMatchObject({ line: 6, path: 'jobs.a.uuid', message: expect.stringContaining('write a UUID: 32 hexadecimal digits in groups of 8-4-4-4-12') });
    const twice = loadConfig(file('  a:\n    every: 1h\n    uuid: 31365bce-8da9-4729-8ff3-aaa71d56b712\n  b:\n    every: 1h\n    uuid: 31365BCE-8da9-4729-8ff3-aaa71d56b712\n'));
    expect(twice.ok).toBe(false);
    if (!twice.ok) expect(twice.errors).toEqual([expect.objectContaining({ line: 9, col: 11, path: 'jobs.b.uuid', message: "31365BCE-8da9-4729-8ff3-aaa71d56b712 is already the uuid of job 'a'; each job has its own UUID" })]);
  });

  it("is shown at the foot of the dashboard's timeline pane", () => {
    const uuid = randomUUID();
    const job = {
      project: 'billing', job: 'backup', uuid, state: 'pending', health: null, lastRun: null, due: null, deadline: null, schedule: '0 3 * * *',
      timezone: 'UTC', grace: '5m', maxDuration: '1h', tags: [], description: null, paused: null, running: [], lastSignalAt: null, history: [],
    } as JobRow;
    const frame = render(createElement(TimelinePane, { job, entries: [], scroll: 0, width: 80, height: 10, colour: false })).lastFrame()!;
    expect(frame.split('\n').at(-1)).toBe(`Healthchecks-style URL: /ping/${uuid}`);
  });
});

describe.each(backends)('job UUIDs through the CLI on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('apply prints the UUIDs it gives and the Sentry DSN; status shows a job\'s UUID, in words and in --json', async () => {
    const project = uniqueProject();
    const declared = randomUUID();
    const dir = mkdtempSync(join(tmpdir(), 'pakyas-uuid-'));
    const yaml = join(dir, 'pakyas.yaml');
    writeFileSync(yaml, `version: 1\nproject: ${project}\njobs:\n  kept:\n    every: 1h\n    uuid: ${declared}\n  fresh:\n    schedule: "0 3 * * *"\n`);
    const env = { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN };
    const applied = await runCli(['apply', '-f', yaml], { env });
    expect(applied.code).toBe(0);
    const key = /Ping key: (\S+)/.exec(applied.stdout)![1]!;
    expect(applied.stdout).toContain(`Sentry SDKs: dsn http://${key}@${new URL(server.url).host}/1`);
    expect(applied.stdout).toMatch(new RegExp(`Job UUIDs \\(Healthchecks-style URLs, ${server.url}/ping/UUID.*\\n  fresh  [0-9a-f-]{36}\\n  kept   ${declared}\\n`));

    const again = await runCli(['apply', '-f', yaml], { env });
    expect(again.stdout).not.toContain('Job UUIDs');

    const json = JSON.parse((await runCli(['status', '--project', project, '--json'], { env })).stdout) as Array<{ job: string; uuid: string }>;
    expect(json.map((j) => [j.job, j.uuid])).toEqual([['fresh', expect.stringMatching(UUID)], ['kept', declared]]);
    const words = await runCli(['status', `${project}/kept`], { env });
    expect(words.stdout).toContain(`  uuid         ${declared} (Healthchecks-style URL: /ping/${declared})`);

    // A UUID adds signals, like the ping key: a token that may only read sees neither.
    const { token } = await createClient({ server: server.url, token: ADMIN }).tokens.create.mutate({ project, readOnly: true });
    const readOnly = { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: token };
    const hidden = JSON.parse((await runCli(['status', '--project', project, '--json'], { env: readOnly })).stdout) as Array<{ uuid: string | null }>;
    expect(hidden.map((j) => j.uuid)).toEqual([null, null]);
    const one = await runCli(['status', `${project}/kept`], { env: readOnly });
    expect(one.code).toBe(0);
    expect(one.stdout).not.toContain(declared);
  });
});
