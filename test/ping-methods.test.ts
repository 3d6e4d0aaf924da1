import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { adminClient, applyNewProject, backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// The signal endpoints take GET, POST and HEAD (SPEC §6); any other method is refused before it
// can add a signal.
describe.each(backends)('methods on the signal endpoints, on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('answers PUT, PATCH, DELETE and OPTIONS with 405 and the methods it allows, and stores nothing', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      for (const path of ['a', 'a/start', 'a/fail', 'a/3']) {
        const res = await fetch(`${server.url}/ping/${pingKey}/${path}`, { method, ...(method === 'OPTIONS' ? {} : { body: 'output' }) });
        expect(await res.text(), `${method} ${path}`).toBe('Method not allowed: use GET, POST or HEAD\n');
        expect(res.status).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, POST, HEAD');
      }
    }
    const job = await adminClient(server).jobs.get.query({ project, job: 'a' });
    expect(job.signals).toEqual([]);
    expect(job.state).toBe('pending');
    expect(job.lastSignalAt).toBeNull();
  });

  it('still records GET, POST and HEAD', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    for (const method of ['GET', 'POST', 'HEAD']) expect((await fetch(`${server.url}/ping/${pingKey}/a`, { method })).status).toBe(200);
    expect((await adminClient(server).jobs.get.query({ project, job: 'a' })).signals).toHaveLength(3);
  });
});
