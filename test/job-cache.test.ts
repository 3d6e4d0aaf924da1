import { afterAll, describe, expect, it } from 'vitest';
import type { JobRow } from '../server/db/jobs.js';
import { JobCache } from '../server/job-cache.js';
import type { RunningServer } from '../server/main.js';
import { openPostgres } from '../server/db/postgres.js';
import { adminClient, applyNewProject, backends, cleanUp, DATABASE_URL, hourlyJob, newSchema, startTestServer } from './helpers/server.js';

// Signals to jobs this process has in its cache are judged from the cached copy and written only
// if the row is unchanged since (server/job-cache.ts). These tests change the rows behind the
// cache's back and check that no signal is judged from a stale copy or reaches a job it should not.

const ping = (server: RunningServer, path: string) => fetch(`${server.url}/ping/${path}`, { method: 'POST' });

describe.each(backends)('the job cache on %s', (backend) => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await cleanUp();
  });

  it('refuses a ping key that was replaced while its jobs were cached, and stores nothing for it', async () => {
    const server = await startTestServer(backend);
    servers.push(server);
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('nightly')] });
    expect((await ping(server, `${pingKey}/nightly`)).status).toBe(200); // cached now
    // A leaked key replaced by the operator (by hand in the database: the attack is the old key).
    const newKey = `${pingKey.slice(0, -4)}beef`;
    await server.deps.db.query('update projects set ping_key = $1 where name = $2', [newKey, project]);

    const stale = await ping(server, `${pingKey}/nightly/1`);
    expect(stale.status).toBe(404);
    const status = await adminClient(server).jobs.get.query({ project, job: 'nightly' });
    expect(status.state).toBe('on_schedule');
    expect(status.signals.map((s) => s.kind)).toEqual(['success']);
    expect((await ping(server, `${newKey}/nightly/1`)).status).toBe(200);
    expect((await adminClient(server).jobs.get.query({ project, job: 'nightly' })).state).toBe('failed');
  });

  it('answers 404 for a job deleted while it was cached, and stores nothing for it', async () => {
    const server = await startTestServer(backend);
    servers.push(server);
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('gone'), hourlyJob('kept')] });
    expect((await ping(server, `${pingKey}/gone`)).status).toBe(200);
    // Deleted behind this server's back, as another replica's apply would.
    await server.deps.db.query('delete from jobs where name = $1 and project_id = (select id from projects where name = $2)', ['gone', project]);
    expect((await ping(server, `${pingKey}/gone`)).status).toBe(404);
    const [{ n }] = await server.deps.db.query<{ n: number }>(
      "select count(*)::int as n from signals s join jobs j on j.id = s.job_id where j.name = 'gone'");
    expect(n).toBe(0);
  });
});

describe.skipIf(!DATABASE_URL)('the job cache with two servers on one Postgres', () => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await cleanUp();
  });

  it('judges a signal from what the other server wrote since, not from its own older copy', async () => {
    const schema = newSchema();
    const a = await startTestServer('postgres', { schema });
    servers.push(a);
    const b = await startTestServer('postgres', { schema });
    servers.push(b);
    const { project, pingKey } = await applyNewProject(a, { jobs: [hourlyJob('backup')] });
    const rid = '2f1c7c1e-8a0e-4d0e-9a3c-0b1f0c2d3e4f';
    // Both servers cache the job as Pending-then-On-Schedule...
    expect((await ping(a, `${pingKey}/backup`)).status).toBe(200);
    expect((await ping(b, `${pingKey}/backup`)).status).toBe(200);
    // ...then a run starts through A, and fails through B, whose copy has no open run.
    expect((await ping(a, `${pingKey}/backup/start?rid=${rid}`)).status).toBe(200);
    expect((await ping(b, `${pingKey}/backup/3?rid=${rid}`)).status).toBe(200);
    const status = await adminClient(a).jobs.get.query({ project, job: 'backup' });
    expect(status.state).toBe('failed');
    expect(status.lastRun).toMatchObject({ exitCode: 3, outcome: 'failed' });
    // The run was paired with its start, so it has a duration; judged from B's stale copy it would not.
    expect(status.lastRun?.durationMs).not.toBeNull();
    const db = openPostgres({ url: DATABASE_URL!, schema });
    try {
      const rows = await db.query<{ kind: string }>("select kind from signals order by id");
      expect(rows.map((r) => r.kind)).toEqual(['success', 'success', 'start', 'fail']);
    } finally {
      await db.close();
    }
  });
});

describe('JobCache', () => {
  const row = (name: string, version: string): JobRow => ({ name, version, ping_key: 'key', id: 1 } as JobRow);

  it('keeps a job another process changed out for a minute, so its signals go the locked way at once', () => {
    let now = 0;
    const cache = new JobCache(10, () => now);
    cache.put(row('a', '100'));
    cache.changed('key', 'a', '100');
    expect(cache.get('key', 'a')).toBeUndefined();
    cache.put(row('a', '101')); // the locked write's result: not kept yet
    expect(cache.get('key', 'a')).toBeUndefined();
    now = 60_001;
    cache.put(row('a', '102'));
    expect(cache.get('key', 'a')?.version).toBe('102');
  });

  it('keeps its own newer copy when an older write of the same job in flight finds the row changed', () => {
    const cache = new JobCache(10, () => 0);
    cache.put(row('a', '100'));
    cache.put(row('a', '101')); // this process's other batch wrote the job first
    cache.changed('key', 'a', '100');
    expect(cache.get('key', 'a')?.version).toBe('101');
  });

  it('drops the least recently used job past its size', () => {
    const cache = new JobCache(2, () => 0);
    cache.put(row('a', '1'));
    cache.put(row('b', '1'));
    cache.put(row('a', '2')); // used again: now the newest
    cache.put(row('c', '1'));
    expect(cache.get('key', 'b')).toBeUndefined();
    expect(cache.get('key', 'a')?.version).toBe('2');
    expect(cache.get('key', 'c')?.version).toBe('1');
  });
});
