import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { ADMIN, applyNewProject, backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// `pakyas timeline` reads past the newest 1,000 entries: page by page with --before, from a time
// with --since, or all of them with --all.
interface Page { project: string; job: string; entries: Array<{ id: number; at: string; message: string }>; nextBefore: number | null }

describe.each(backends)('timeline paging, on %s', (backend) => {
  let server: RunningServer;
  let ref: string;
  const SENT = 1150;
  beforeAll(async () => {
    server = await startTestServer(backend, { pingRate: 0 });
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('chatty')] });
    ref = `${project}/chatty`;
    for (let i = 0; i < SENT; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, SENT - i) }, (_, k) =>
        fetch(`${server.url}/ping/${pingKey}/chatty/log`, { method: 'POST', body: `message ${i + k + 1}` })));
    }
  }, 120_000);
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const cli = (args: string[]) => runCli(args, { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN } });
  const json = async (args: string[]): Promise<Page> => {
    const r = await cli([...args, '--json']);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as Page;
  };

  it('shows the newest 50 and says how to read the ones before them', async () => {
    const r = await cli(['timeline', ref]);
    expect(r.code).toBe(0);
    const first = await json(['timeline', ref]);
    expect(first.entries).toHaveLength(50);
    expect(r.stdout).toContain(`… older entries: pakyas timeline ${ref} --before ${first.nextBefore}\n`);
  });

  it('pages past the newest 1,000 with --before', async () => {
    const newest = await json(['timeline', ref, '--limit', '1000']);
    expect(newest.entries).toHaveLength(1000);
    expect(newest.nextBefore).toBe(newest.entries.at(-1)!.id);
    const next = await json(['timeline', ref, '--before', String(newest.nextBefore)]);
    expect(next.entries).toHaveLength(50);
    expect(next.entries.every((e) => e.id < newest.nextBefore!)).toBe(true);
    expect(next.entries[0]!.id).toBe(Math.max(...next.entries.map((e) => e.id)));
  });

  it('reads every entry with --all, and every entry since a time with --since', async () => {
    const all = await json(['timeline', ref, '--all']);
    // Every log signal, and the two entries of the job's creation.
    expect(all.entries).toHaveLength(SENT + 2);
    expect(new Set(all.entries.map((e) => e.id)).size).toBe(SENT + 2);
    expect(all.nextBefore).toBeNull();
    expect(all.entries.filter((e) => /^Log: message \d+$/.test(e.message))).toHaveLength(SENT);

    const cutoff = all.entries[1100]!.at;
    const since = await json(['timeline', ref, '--since', cutoff]);
    expect(since.entries).toHaveLength(all.entries.filter((e) => e.at >= cutoff).length);
    expect(since.entries.length).toBeGreaterThan(1000);
    expect((await json(['timeline', ref, '--since', '1h'])).entries).toHaveLength(SENT + 2);
    expect((await json(['timeline', ref, '--since', '2h', '--limit', '10'])).entries).toHaveLength(10);
  });

  it('says what it takes when --since or --before is not one', async () => {
    const bad = await cli(['timeline', ref, '--since', 'yesterday']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("pakyas timeline: --since 'yesterday' is not a time; write it like 2026-11-28T03:00Z, 2026-11-28, or a duration ago like 2h or 3d\n");
    expect((await cli(['timeline', ref, '--before', 'x'])).stderr).toContain('--before takes an entry ID');
    expect((await cli(['timeline', ref, '--all', '--since', '1h'])).stderr).toContain('give one of --before, --since and --all');
  });
});
