import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSource } from '../cli/dashboard/source.js';
import type { RunningServer } from '../server/main.js';
import { ADMIN, applyNewProject, backends, cleanUp, eventually, hourlyJob, startTestServer } from './helpers/server.js';

// Pakyas serves no HTML, so every answer says: do not sniff it into something else, do not run or
// frame it, do not send this URL (a ping key is in it) on as a Referer.
const EXPECTED = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

describe.each(backends)('security headers, on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const headersOf = (res: Response) => Object.fromEntries(Object.keys(EXPECTED).map((h) => [h, res.headers.get(h)]));

  it('are on every kind of answer: signals, refusals, the API, its errors, health, metrics and not found', async () => {
    const { pingKey } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    const auth = { authorization: `Bearer ${ADMIN}` };
    const answers: Array<[string, Response]> = [
      ['signal', await fetch(`${server.url}/ping/${pingKey}/a`, { method: 'POST' })],
      ['HEAD signal', await fetch(`${server.url}/ping/${pingKey}/a`, { method: 'HEAD' })],
      ['unknown job', await fetch(`${server.url}/ping/${pingKey}/nope`)],
      ['bad exit code', await fetch(`${server.url}/ping/${pingKey}/a/999`)],
      ['wrong method', await fetch(`${server.url}/ping/${pingKey}/a`, { method: 'PUT' })],
      ['API query', await fetch(`${server.url}/trpc/projects.list`, { headers: auth })],
      ['API without token', await fetch(`${server.url}/trpc/projects.list`)],
      ['API bad input', await fetch(`${server.url}/trpc/jobs.get?input=${encodeURIComponent('{"job":""}')}`, { headers: auth })],
      ['healthz', await fetch(`${server.url}/healthz`)],
      ['metrics', await fetch(`${server.url}/metrics`)],
      ['not found', await fetch(`${server.url}/index.html`)],
    ];
    for (const [name, res] of answers) {
      await res.arrayBuffer();
      expect(headersOf(res), name).toEqual(EXPECTED);
    }
  });

  it('are on the live subscription too, and it still delivers changes', async () => {
    const { project, pingKey } = await applyNewProject(server, { jobs: [hourlyJob('a')] });
    const stream = new AbortController();
    const res = await fetch(`${server.url}/trpc/jobs.changes`, { headers: { authorization: `Bearer ${ADMIN}`, accept: 'text/event-stream' }, signal: stream.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headersOf(res)).toEqual(EXPECTED);
    stream.abort();

    const changed: string[] = [];
    let live = false;
    const stop = serverSource({ server: server.url, token: ADMIN }).watch((jobs) => { for (const j of jobs ?? []) changed.push(`${j.project}/${j.job}`); }, (link) => { live = link === 'live'; });
    try {
      await eventually(async () => live);
      await fetch(`${server.url}/ping/${pingKey}/a/start`, { method: 'POST' });
      await eventually(async () => changed.includes(`${project}/a`));
    } finally {
      stop();
    }
  });
});
