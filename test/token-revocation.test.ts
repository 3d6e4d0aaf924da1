import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSource } from '../cli/dashboard/source.js';
import { TOKEN_RECHECK_MS } from '../server/auth.js';
import type { RunningServer } from '../server/main.js';
import { adminClient, applyNewProject, backends, cleanUp, eventually, hourlyJob, startTestServer } from './helpers/server.js';

// A live subscription outlives the check of its token when it opened. Once the token is revoked,
// the stream must end: a revoked read-only token on a forgotten laptop must stop seeing changes.
describe.each(backends)('a revoked token and its live subscription, on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  /** A project with one job, a read-only token for it, and the dashboard's live subscription with that token. */
  async function watching() {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    const { id, token } = await adminClient(server).tokens.create.mutate({ project, readOnly: true });
    const heard: string[] = [];
    const links: Array<{ link: string; error?: string }> = [];
    const stop = serverSource({ server: server.url, token }).watch(
      (jobs) => { for (const j of jobs ?? []) heard.push(j.job); },
      (link, error) => { links.push({ link, ...(error ? { error } : {}) }); },
    );
    const ping = async (path: string) => expect((await fetch(`${server.url}/ping/${pingKey}/${path}`, { method: 'POST' })).status).toBe(200);
    // Connecting and the first change can take seconds on a loaded machine; the revocation's own
    // timing is what the tests measure, below.
    await eventually(async () => links.some((l) => l.link === 'live'), 15_000);
    // Live: a change arrives.
    await ping('a/start');
    await eventually(async () => heard.includes('a'), 15_000);
    return { id, heard, links, ping, stop };
  }

  it('ends with an error soon after tokens.revoke, and hears no change after it', async () => {
    const { id, heard, links, ping, stop } = await watching();
    try {
      const revokedAt = Date.now();
      await adminClient(server).tokens.revoke.mutate({ id });
      await eventually(async () => links.some((l) => l.error !== undefined), 3000, 20);
      // The revocation notice ends it at once, not at the next periodic check.
      expect(Date.now() - revokedAt).toBeLessThan(TOKEN_RECHECK_MS);
      expect(links.find((l) => l.error)!.error).toBe('this token has been revoked');
      const before = heard.length;
      await ping('a');
      await ping('a/log');
      await new Promise((r) => setTimeout(r, 1000));
      expect(heard.length).toBe(before);
    } finally {
      stop();
    }
  });

  it('ends within the periodic check when the token disappears without a notice', async () => {
    const { id, heard, links, ping, stop } = await watching();
    try {
      // As a restart with another PAKYAS_ADMIN_TOKEN does, or a notice lost with its connection.
      await server.deps.db.query('delete from tokens where id = $1', [id]);
      await eventually(async () => links.some((l) => l.error !== undefined), TOKEN_RECHECK_MS + 3000, 50);
      expect(links.find((l) => l.error)!.error).toBe('this token has been revoked');
      const before = heard.length;
      await ping('a');
      await new Promise((r) => setTimeout(r, 1000));
      expect(heard.length).toBe(before);
    } finally {
      stop();
    }
  });
});
