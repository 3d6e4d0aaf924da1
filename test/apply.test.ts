import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import type { RunningServer } from '../server/main.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { ADMIN, adminClient, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

const basic = readFileSync(join(repoRoot, 'examples', 'basic', 'pakyas.yaml'), 'utf8');
const SECRET = 'whsec-do-not-print-0123456789';

function workspace(text: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pakyas-apply-'));
  const file = join(dir, 'pakyas.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

describe.each(backends)('plan and apply on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const env = () => ({ PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN, PAKYAS_SECRET_ALERT_WEBHOOK_URL: 'http://127.0.0.1:9/hook', PAKYAS_SECRET_ALERT_WEBHOOK_SECRET: SECRET, PAKYAS_COMMIT: '1a2b3c4d5e6f', PAKYAS_REF: 'main', PAKYAS_AUTHOR: 'ci-bot' });

  it('takes a newcomer from the example to a one-line diff and a new revision', async () => {
    const project = uniqueProject('billing');
    const { file } = workspace(basic.replace('project: billing', `project: ${project}`));

    const first = await runCli(['apply', '-f', file], { env: env() });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Applied revision 1 of project ${project} (commit 1a2b3c4)`);
    expect(first.stdout).toMatch(/Ping key: [A-Za-z0-9_-]{32}/);

    writeFileSync(file, readFileSync(file, 'utf8').replace('  grace: 10m', '  grace: 5m'));
    const plan = await runCli(['plan', '-f', file], { env: env() });
    expect(plan.code).toBe(2);
    // Only the job that inherits the default changes: the others set their own grace.
    expect(plan.stdout).toContain(`Project ${project}, revision 1 → 2:\n  ~ job nightly-backup\n      grace 10m → 5m\nPlan: 0 to create, 1 to update, 0 to delete.`);

    const markdown = await runCli(['plan', '-f', file, '--format', 'markdown'], { env: env() });
    expect(markdown.stdout).toContain('| ~ update | job | `nightly-backup` | grace 10m → 5m |');

    const second = await runCli(['apply', '-f', file, '--plan-revision', '1', '--json'], { env: env() });
    expect(second.code).toBe(0);
    const out = JSON.parse(second.stdout);
    expect(out).toMatchObject({ project, revision: 2, changed: true });
    expect(out.changes).toEqual([{ kind: 'job', action: 'update', name: 'nightly-backup', fields: [{ field: 'grace', from: '10m', to: '5m' }] }]);

    const timeline = await runCli(['timeline', `${project}/nightly-backup`], { env: env() });
    expect(timeline.stdout).toContain('Config changed in revision 2 (commit 1a2b3c4): grace 10m → 5m');

    const revisions = await adminClient(server).projects.revisions.query({ project });
    expect(revisions[0]).toMatchObject({ revision: 2, commit: '1a2b3c4d5e6f', ref: 'main', author: 'ci-bot' });
  });

  it('changes nothing and makes no revision when the same file is applied twice', async () => {
    const project = uniqueProject();
    const { file } = workspace(basic.replace('project: billing', `project: ${project}`));
    expect((await runCli(['apply', '-f', file], { env: env() })).code).toBe(0);
    const again = await runCli(['apply', '-f', file], { env: env() });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`No changes: project ${project} already matches`);
    const plan = await runCli(['plan', '-f', file], { env: env() });
    expect(plan.code).toBe(0);
    expect((await adminClient(server).projects.revisions.query({ project })).map((r) => r.revision)).toEqual([1]);
  });

  it('deletes a job removed from the file, and never touches another project', async () => {
    const a = uniqueProject('a');
    const b = uniqueProject('b');
    const file = (p: string, jobs: string) => workspace(`version: 1\nproject: ${p}\njobs:\n${jobs}`).file;
    const twoJobs = '  one:\n    every: 1h\n  two:\n    every: 1h\n';
    expect((await runCli(['apply', '-f', file(a, twoJobs)], { env: env() })).code).toBe(0);
    expect((await runCli(['apply', '-f', file(b, twoJobs)], { env: env() })).code).toBe(0);
    const pruned = await runCli(['apply', '-f', file(a, '  one:\n    every: 1h\n')], { env: env() });
    expect(pruned.stdout).toContain('- job two');
    const client = adminClient(server);
    expect((await client.jobs.list.query({ project: a })).map((j) => j.job)).toEqual(['one']);
    expect((await client.jobs.list.query({ project: b })).map((j) => j.job)).toEqual(['one', 'two']);
  });

  it('refuses a plan made against a revision that is no longer current', async () => {
    const project = uniqueProject();
    const { file } = workspace(`version: 1\nproject: ${project}\njobs:\n  x:\n    every: 1h\n`);
    expect((await runCli(['apply', '-f', file], { env: env() })).code).toBe(0);
    writeFileSync(file, readFileSync(file, 'utf8').replace('1h', '2h'));
    const stale = await runCli(['apply', '-f', file, '--plan-revision', '0'], { env: env() });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('the plan was made against revision 0, but the project is at revision 1 now; run plan again');
  });

  it('serialises concurrent applies of one project', async () => {
    const project = uniqueProject();
    const client = adminClient(server);
    const config = (grace: number) => ({
      project, channels: [], routes: [],
      jobs: [{ name: 'j', description: null, schedule: { kind: 'every' as const, everySeconds: 60 }, timezone: 'UTC', graceSeconds: grace, maxDurationSeconds: 60, tags: [], paused: false, alertAfter: 1 }],
    });
    const source = { commit: null, ref: null, author: null, source: 'test' };
    const results = await Promise.all([30, 40, 50, 60].map((g) => client.projects.applyConfig.mutate({ config: config(g), source, expectedRevision: null })));
    expect(results.map((r) => r.revision).sort()).toEqual([1, 2, 3, 4]);
    const revisions = await client.projects.revisions.query({ project });
    expect(revisions.map((r) => r.revision)).toEqual([4, 3, 2, 1]);
  });

  it('keeps channel secrets out of plans, applies, API reads and timelines', async () => {
    const project = uniqueProject();
    const { file } = workspace(basic.replace('project: billing', `project: ${project}`));
    const outputs: string[] = [];
    for (const args of [['plan', '-f', file, '--json'], ['plan', '-f', file, '--format', 'markdown'], ['apply', '-f', file, '--json'], ['status', '--json'], ['timeline', `${project}/nightly-backup`, '--json']]) {
      const r = await runCli(args, { env: env() });
      outputs.push(r.stdout, r.stderr);
    }
    const client = adminClient(server);
    outputs.push(JSON.stringify(await client.projects.list.query()), JSON.stringify(await client.projects.revisions.query({ project })));
    expect(outputs.join('\n')).toContain('(secret)');
    expect(outputs.join('\n')).not.toContain(SECRET);
  });

  it('names a missing environment variable and sends nothing', async () => {
    const project = uniqueProject();
    const { file } = workspace(basic.replace('project: billing', `project: ${project}`));
    const r = await runCli(['apply', '-f', file], { env: { ...env(), PAKYAS_SECRET_ALERT_WEBHOOK_SECRET: undefined } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('channels.ops-alerts.secret: environment variable PAKYAS_SECRET_ALERT_WEBHOOK_SECRET is not set');
    await expect(adminClient(server).projects.revisions.query({ project })).rejects.toThrow(/no project/);
  });

  describe('tokens and scopes', () => {
    const code = async (p: Promise<unknown>) => {
      try { await p; return 'OK'; } catch (err) { return (err as TRPCClientError<never>).data?.code ?? String(err); }
    };
    const tiny = (project: string) => ({ project, channels: [], routes: [], jobs: [] });
    const source = { commit: null, ref: null, author: null, source: 'test' };

    it('turns away a call without a token, or with a wrong one', async () => {
      expect(await code(createClient({ server: server.url, token: null }).jobs.list.query())).toBe('UNAUTHORIZED');
      expect(await code(createClient({ server: server.url, token: 'pky_wrong-token-000000' }).jobs.list.query())).toBe('UNAUTHORIZED');
      const r = await runCli(['status'], { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: undefined } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('needs a token: set PAKYAS_TOKEN or pass --token');
    });

    it('limits a project token to its project, and a read-only token to reading', async () => {
      const mine = uniqueProject('mine');
      const other = uniqueProject('other');
      const admin = adminClient(server);
      await admin.projects.applyConfig.mutate({ config: tiny(other), source, expectedRevision: null });
      const rw = await admin.tokens.create.mutate({ project: mine, readOnly: false });
      const ro = await admin.tokens.create.mutate({ project: mine, readOnly: true });
      const asRw = createClient({ server: server.url, token: rw.token });
      const asRo = createClient({ server: server.url, token: ro.token });

      expect(await code(asRw.projects.applyConfig.mutate({ config: tiny(mine), source, expectedRevision: null }))).toBe('OK');
      expect(await code(asRw.projects.applyConfig.mutate({ config: tiny(other), source, expectedRevision: null }))).toBe('FORBIDDEN');
      expect(await code(asRw.jobs.list.query({ project: other }))).toBe('FORBIDDEN');
      // Asking for named jobs (what the dashboard reloads after a change) shows only readable ones.
      const withX = (project: string) => ({ ...tiny(project), jobs: [{ name: 'x', description: null, schedule: { kind: 'every' as const, everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 60, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1 }] });
      for (const p of [mine, other]) await admin.projects.applyConfig.mutate({ config: withX(p), source, expectedRevision: null });
      const named = [{ project: mine, job: 'x' }, { project: other, job: 'x' }, { project: mine, job: 'nope' }];
      expect((await asRw.jobs.list.query({ only: named })).map((j) => `${j.project}/${j.job}`)).toEqual([`${mine}/x`]);
      expect((await admin.jobs.list.query({ only: named })).map((j) => `${j.project}/${j.job}`).sort()).toEqual([`${mine}/x`, `${other}/x`].sort());
      expect((await asRw.projects.list.query()).map((p) => p.project)).toEqual([mine]);
      expect(await code(asRw.tokens.list.query())).toBe('FORBIDDEN');

      expect(await code(asRo.jobs.list.query({ project: mine }))).toBe('OK');
      expect(await code(asRo.projects.applyConfig.mutate({ config: tiny(mine), source, expectedRevision: null }))).toBe('FORBIDDEN');
      expect((await asRo.projects.list.query())[0]!.pingKey).toBe(null);
    });

    it('creates and revokes tokens from the CLI, printing each token once', async () => {
      const project = uniqueProject();
      const created = await runCli(['token', 'create', '--project', project, '--read-only'], { env: env() });
      expect(created.code).toBe(0);
      const token = /\n {2}(pky_\S+)/.exec(created.stdout)![1]!;
      const list = await runCli(['token', 'list'], { env: env() });
      expect(list.stdout).toContain(`read-only ${project}`);
      expect(list.stdout).not.toContain(token);
      const id = /Token (\d+),/.exec(created.stdout)![1]!;
      expect((await runCli(['token', 'revoke', id], { env: env() })).code).toBe(0);
      expect(await code(createClient({ server: server.url, token }).jobs.list.query())).toBe('UNAUTHORIZED');
    });
  });
});
