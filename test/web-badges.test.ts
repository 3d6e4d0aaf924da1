import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badgeSvg } from '../server/badges.js';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { ADMIN, adminClient, applyNewProject, backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// Badges under a project's badge key: a job's state, or the worst state of a tag's jobs, as SVG or
// as Shields' endpoint JSON; nothing else about the job; a rotated key stops answering.
describe.each(backends)('status badges, on %s', (backend) => {
  let server: RunningServer;
  let project: string;
  let pingKey: string;
  let badgeKey: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    ({ project, pingKey } = await applyNewProject(server, {
      jobs: [hourlyJob('backup', { tags: ['db'] }), hourlyJob('restore-check', { tags: ['db'] }), hourlyJob('report')],
    }));
    badgeKey = (await adminClient(server).web.badgeKey.query({ project })).badgeKey;
    await fetch(`${server.url}/ping/${pingKey}/backup/2`, { method: 'POST', body: 'secret output: password=hunter2' });
    await fetch(`${server.url}/ping/${pingKey}/restore-check`, { method: 'POST' });
  });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const badge = (key: string, name: string, ext = 'svg') => fetch(`${server.url}/badge/${key}/${name}.${ext}`);

  it('is issued with the project and shown by apply', async () => {
    expect(badgeKey).toMatch(/^pkb_[0-9a-f]{64}$/);
    const again = await adminClient(server).projects.applyConfig.mutate({
      config: { project, jobs: [hourlyJob('backup', { tags: ['db'] }), hourlyJob('restore-check', { tags: ['db'] }), hourlyJob('report')], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    expect(again.badgeKey).toBe(badgeKey);
  });

  it("shows a job's state in words and symbol, and nothing else about it", async () => {
    const res = await badge(badgeKey, 'backup');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    const svg = await res.text();
    expect(svg).toContain('aria-label="backup: ✗ Failed"');
    expect(svg).toContain('<title>backup: ✗ Failed</title>');
    expect(svg).not.toMatch(/hunter2|exit|Status transitioned|<script|href/);
  });

  it('shows the worst state of the jobs with a tag, and a Shields endpoint badge', async () => {
    expect(await (await badge(badgeKey, 'db')).text()).toContain('db: ✗ Failed');
    const json = await (await badge(badgeKey, 'report', 'json')).json();
    expect(json).toEqual({ schemaVersion: 1, label: 'report', message: '○ Pending', color: '3559a8' });
  });

  it('answers the same 404 to an unknown key, job or tag, so names cannot be probed', async () => {
    const answers = await Promise.all([
      badge(`pkb_${'0'.repeat(64)}`, 'backup'), badge(badgeKey, 'nope'), badge('not-a-key', 'backup'), badge(badgeKey, 'UPPER'),
    ]);
    for (const r of answers) {
      expect(r.status).toBe(404);
      expect(await r.text()).toBe('No such badge\n');
    }
  });

  it('is revoked by rotating: the old key stops answering, the new one works; a read-only token cannot rotate', async () => {
    const { token } = await adminClient(server).tokens.create.mutate({ project, readOnly: true });
    const viewer = await runCli(['badge', '--project', project, '--json'], { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: token } });
    expect(JSON.parse(viewer.stdout)).toMatchObject({ project, badgeKey, svg: `${server.url}/badge/${badgeKey}/JOB.svg` });
    const refused = await runCli(['badge', '--project', project, '--rotate'], { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: token } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`this token is read-only for project ${project}`);
    const rotated = await runCli(['badge', '--project', project, '--rotate'], { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN } });
    expect(rotated.code).toBe(0);
    const fresh = /New badge key of project \S+: (pkb_[0-9a-f]{64})/.exec(rotated.stdout)![1]!;
    expect(fresh).not.toBe(badgeKey);
    expect((await badge(badgeKey, 'backup')).status).toBe(404);
    expect((await badge(fresh, 'backup')).status).toBe(200);
    badgeKey = fresh;
  });
});

describe('the badge picture', () => {
  it('writes names as text, escaped', () => {
    const svg = badgeSvg('a<b>&"c', '✓ On Schedule', '#2e7d32');
    expect(svg).toContain('a&lt;b&gt;&amp;&quot;c');
    expect(svg).not.toContain('<b>');
  });
});
