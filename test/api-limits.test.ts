import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import type { RunningServer } from '../server/main.js';
import { ADMIN, adminClient, applyNewProject, backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// One API request must not be able to hold the event loop: batches, bodies and nesting have limits
// that are checked before any procedure (or its schema) runs.
describe.each(backends)('limits on one API request, on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  async function call(path: string, init: { body?: string; token?: string } = {}): Promise<{ status: number; message: string | null; ms: number }> {
    const started = performance.now();
    const res = await fetch(`${server.url}/trpc/${path}`, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${init.token ?? ADMIN}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const json = await res.json() as { error?: { message: string } } | Array<{ error?: { message: string } }>;
    return { status: res.status, message: Array.isArray(json) ? null : json.error?.message ?? null, ms: performance.now() - started };
  }
  const batch = (n: number) => `${Array(n).fill('projects.list').join(',')}?batch=1`;

  it('answers a batch of 10 calls', async () => {
    expect((await call(batch(10))).status).toBe(200);
  });

  it('refuses a batch of 11 calls, or of 1,000, with 400 saying how many are allowed', async () => {
    for (const n of [11, 1000]) {
      expect(await call(batch(n))).toMatchObject({ status: 400, message: 'a batch may hold at most 10 calls' });
    }
  });

  it('refuses input nested 100,000 levels deep with 400 before its schema sees it', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const r = await call('jobs.pause', { body: `{"job":"a","reason":${deep}}` });
    expect(r).toMatchObject({ status: 400, message: 'the input is nested more than 64 levels deep; no Pakyas call needs more than a few' });
    expect(r.ms).toBeLessThan(2000);
  });

  it('refuses input nested 65 levels deep, and lets 64 through to the schema', async () => {
    const nested = (levels: number) => `{"job":"a","reason":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(await call('jobs.pause', { body: nested(65) })).toMatchObject({ status: 400, message: expect.stringMatching(/nested more than 64 levels/) });
    const through = await call('jobs.pause', { body: nested(64) });
    expect(through.status).toBe(400);
    expect(through.message).toMatch(/expected string/);
  });

  it('holds a read-only token to 1 MiB of request body, which a read-write token may exceed', async () => {
    const { project } = await applyNewProject(server);
    const tokens = adminClient(server).tokens;
    const readOnly = (await tokens.create.mutate({ project, readOnly: true })).token;
    const readWrite = (await tokens.create.mutate({ project })).token;
    const plan = (jobs: number) => JSON.stringify({ config: { project, jobs: Array.from({ length: jobs }, (_, i) => hourlyJob(`job-${i}`)), channels: [], routes: [] } });
    const large = plan(6000);
    expect(Buffer.byteLength(large)).toBeGreaterThan(1024 * 1024);

    expect(await call('projects.planConfig', { body: large, token: readOnly })).toMatchObject({
      status: 413, message: 'the request body is larger than the 1 MiB a read-only token may send; plan a project this large with a read-write token',
    });
    expect((await call('projects.planConfig', { body: large, token: readWrite })).status).toBe(200);
    // A project of 4,000 jobs is still planned with a read-only token, as CI does on a pull request.
    const planned = await createClient({ server: server.url, token: readOnly }).projects.planConfig.mutate(JSON.parse(plan(4000)));
    expect(planned.changes.length).toBeGreaterThanOrEqual(4000);
  });

  it('refuses a body over 16 MiB with 413 saying so', async () => {
    const body = JSON.stringify({ job: 'a', reason: 'x'.repeat(17 * 1024 * 1024) });
    expect(await call('jobs.pause', { body })).toMatchObject({ status: 413, message: 'the request body is larger than 16 MiB; split the project' });
  });
});
