import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { ADMIN, adminClient, applyNewProject, backends, cleanUp, hourlyJob, startTestServer, TEST_SOURCE, uniqueProject } from './helpers/server.js';

// Postgres cannot store NUL (U+0000) in text. Input carrying one is refused as bad input, with a
// sentence saying where, before anything reaches the database (which would answer a 500).
const NUL = '\u0000';
const refusal = (where: string) => `${where} contains a NUL character (\\u0000), which Pakyas cannot store`;

describe.each(backends)('a NUL character in input, on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  async function trpcError(path: string, input: unknown): Promise<{ status: number; message: string }> {
    const res = await fetch(`${server.url}/trpc/${path}`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(input),
    });
    return { status: res.status, message: ((await res.json()) as { error: { message: string } }).error.message };
  }

  it('refuses a signal whose host parameter holds one with 400, and stores nothing', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    const res = await fetch(`${server.url}/ping/${pingKey}/a?host=web${encodeURIComponent(NUL)}1`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(`Bad host: it contains a NUL character (\\u0000), which Pakyas cannot store\n`);
    expect((await adminClient(server).jobs.get.query({ project, job: 'a' })).signals).toEqual([]);
  });

  it('keeps a signal whose body holds one, with the character replaced', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    expect((await fetch(`${server.url}/ping/${pingKey}/a/log`, { method: 'POST', body: `a${NUL}b` })).status).toBe(200);
    expect((await adminClient(server).jobs.get.query({ project, job: 'a' })).signals[0]!.body).toBe('a\uFFFDb');
  });

  it('refuses a pause reason holding one with 400, naming the field', async () => {
    const { project } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    expect(await trpcError('jobs.pause', { project, job: 'a', reason: `deploy${NUL}` })).toEqual({ status: 400, message: refusal('reason') });
    expect((await adminClient(server).jobs.get.query({ project, job: 'a' })).paused).toBeNull();
  });

  it('refuses an apply with one deep in the config, naming where, and applies nothing', async () => {
    const project = uniqueProject('nul');
    const config = { project, jobs: [hourlyJob('a'), hourlyJob('b', { description: `nightly${NUL}` })], channels: [], routes: [] };
    expect(await trpcError('projects.applyConfig', { config, source: TEST_SOURCE, expectedRevision: null }))
      .toEqual({ status: 400, message: refusal('config.jobs[1].description') });
    await expect(adminClient(server).jobs.list.query({ project })).rejects.toThrow(/no project/);
  });

  it('refuses one in a key of a mapping, such as a channel setting', async () => {
    const channel = { name: 'ops', type: 'webhook', settings: { url: 'https://example.com/hook', [`x${NUL}`]: 'y' } };
    const config = { project: uniqueProject('nul'), jobs: [], channels: [channel], routes: [] };
    expect(await trpcError('projects.planConfig', { config })).toEqual({ status: 400, message: refusal('a key in config.channels[0].settings') });
  });

  it('refuses one in a query sent by GET', async () => {
    const res = await fetch(`${server.url}/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ job: `a${NUL}` }))}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(refusal('job'));
  });
});
