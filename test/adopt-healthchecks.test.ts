import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { testProject } from './helpers/adopt.js';
import { backends, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

const run = promisify(execFile);

// A job that curls Healthchecks moves to Pakyas by changing its base URL: the job's UUID (given at
// its first apply, or declared) takes the place of its Healthchecks check's.
describe.each(backends)('Healthchecks-style ping URLs on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend, { pingRate: 0 }); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('takes start and success with a run id and a body, and answers as Healthchecks does', async () => {
    const p = await testProject(server, [hourlyJob('backup')]);
    const uuid = await p.uuid('backup');
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const rid = randomUUID();
    const start = await fetch(`${server.url}/ping/${uuid}/start?rid=${rid}`);
    expect(start.status).toBe(200);
    expect(await start.text()).toBe('OK');
    expect(start.headers.get('access-control-allow-origin')).toBe('*');
    expect(start.headers.get('ping-body-limit')).toBe('10000');
    expect((await p.status('backup')).state).toBe('running');
    const done = await fetch(`${server.url}/ping/${uuid}?rid=${rid}`, { method: 'POST', body: 'backed up 3 GB' });
    expect(await done.text()).toBe('OK');
    const s = await p.status('backup');
    expect(s.state).toBe('on_schedule');
    expect(s.signals[0]).toMatchObject({ kind: 'success', rid, body: 'backed up 3 GB' });
    expect(s.lastRun?.durationMs).not.toBeNull();
  });

  it('makes /fail and a non-zero exit status Failed, never healthy, and /0 a success', async () => {
    const p = await testProject(server, [hourlyJob('a'), hourlyJob('b'), hourlyJob('c')]);
    await fetch(`${server.url}/ping/${await p.uuid('a')}/fail`, { method: 'POST', body: 'disk full' });
    expect((await p.status('a'))).toMatchObject({ state: 'failed', health: 'failed' });
    await fetch(`${server.url}/ping/${await p.uuid('b')}/3`);
    expect(await p.status('b')).toMatchObject({ state: 'failed', lastRun: { exitCode: 3, outcome: 'failed' } });
    await fetch(`${server.url}/ping/${await p.uuid('c')}/0`);
    expect(await p.status('c')).toMatchObject({ state: 'on_schedule', lastRun: { exitCode: 0 } });
  });

  it('writes /log into the timeline without changing the state', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const r = await fetch(`${server.url}/ping/${await p.uuid('a')}/log`, { method: 'POST', body: 'rotated 14 files' });
    expect(r.status).toBe(200);
    expect((await p.status('a')).state).toBe('pending');
    expect((await p.timeline('a')).some((m) => m.includes('rotated 14 files'))).toBe(true);
  });

  it('takes HEAD, GET and POST, answers a CORS preflight, refuses other methods, and stores nothing for those', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const uuid = await p.uuid('a');
    for (const method of ['HEAD', 'GET', 'POST']) expect((await fetch(`${server.url}/ping/${uuid}`, { method })).status, method).toBe(200);
    const pre = await fetch(`${server.url}/ping/${uuid}/start`, { method: 'OPTIONS' });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect((await fetch(`${server.url}/ping/${uuid}`, { method: 'PUT', body: 'x' })).status).toBe(405);
    expect((await p.status('a')).signals).toHaveLength(3);
  });

  it('answers an unknown UUID 404 "not found" saying where jobs are declared, and stores nothing', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const other = randomUUID();
    const r = await fetch(`${server.url}/ping/${other}/fail`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe(`not found: no job has the UUID ${other}; declare it on its job in pakyas.yaml (uuid: ${other}) and run pakyas apply`);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect((await p.status('a')).signals).toEqual([]);
  });

  it("refuses what it cannot read with Healthchecks' words, ?create=1 clearly, and records nothing", async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    const uuid = await p.uuid('a');
    const rid = await fetch(`${server.url}/ping/${uuid}/start?rid=not-a-uuid`);
    expect([rid.status, await rid.text()]).toEqual([400, 'invalid uuid format']);
    const big = await fetch(`${server.url}/ping/${uuid}/256`);
    expect([big.status, await big.text()]).toEqual([400, 'invalid url format']);
    const create = await fetch(`${server.url}/ping/${uuid}?create=1`);
    expect(create.status).toBe(400);
    expect(await create.text()).toMatch(/^Refused: Pakyas does not create jobs from signals \(\?create=1\); declare .* in pakyas.yaml/);
    const unknown = await fetch(`${server.url}/ping/${uuid}?state=fail`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("Unknown parameter 'state' for a Healthchecks signal: this endpoint reads rid; nothing was recorded");
    expect((await fetch(`${server.url}/ping/${uuid}/explode`)).status).toBe(404);
    expect((await p.status('a')).signals).toEqual([]);
  });

  it('refuses ?create=1 on the slug form too: monitors stay code', async () => {
    const p = await testProject(server, [hourlyJob('a')]);
    for (const path of ['a', 'not-declared', 'not-declared/start']) {
      const r = await fetch(`${server.url}/ping/${p.pingKey}/${path}?create=1`);
      expect(r.status, path).toBe(400);
      expect(await r.text()).toContain('Pakyas does not create jobs from signals');
    }
    const unknown = await fetch(`${server.url}/ping/${p.pingKey}/not-declared`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe("Not found: no job 'not-declared' for this ping key; declare it under jobs: in pakyas.yaml and run pakyas apply\n");
    expect((await p.status('a')).signals).toEqual([]);
  });

  it('answers a paused job OK and records without judging', async () => {
    const p = await testProject(server, [hourlyJob('a', { paused: true })]);
    const r = await fetch(`${server.url}/ping/${await p.uuid('a')}/fail`);
    expect(await r.text()).toBe('OK');
    const s = await p.status('a');
    expect(s.state).toBe('paused');
    expect(s.signals).toHaveLength(1);
  });

  it('keeps a declared UUID (any case), keeps a generated one across applies, and keeps it when the declaration goes', async () => {
    const declared = randomUUID().toUpperCase();
    const p = await testProject(server, [hourlyJob('declared', { uuid: declared.toLowerCase() }), hourlyJob('generated')]);
    expect(await p.uuid('declared')).toBe(declared.toLowerCase());
    const generated = await p.uuid('generated');
    expect((await fetch(`${server.url}/ping/${declared}`)).status).toBe(200);
    expect((await p.status('declared')).state).toBe('on_schedule');

    await p.apply([hourlyJob('declared', { uuid: declared.toLowerCase(), graceSeconds: 60 }), hourlyJob('generated', { graceSeconds: 60 })]);
    expect(await p.uuid('generated')).toBe(generated);
    await p.apply([hourlyJob('declared'), hourlyJob('generated')]);
    expect(await p.uuid('declared')).toBe(declared.toLowerCase());
    // Pinning the generated UUID in the file changes nothing for the job's URLs.
    const pinned = await p.apply([hourlyJob('declared'), hourlyJob('generated', { uuid: generated })]);
    expect(pinned.jobUuids).toEqual([]);
    expect(await p.uuid('generated')).toBe(generated);
  });

  it('moves and swaps declared UUIDs between jobs in one apply', async () => {
    const [x, y] = [randomUUID(), randomUUID()];
    const p = await testProject(server, [hourlyJob('a', { uuid: x }), hourlyJob('b', { uuid: y })]);
    const swapped = await p.apply([hourlyJob('a', { uuid: y }), hourlyJob('b', { uuid: x })]);
    expect(swapped.jobUuids).toEqual([{ job: 'a', uuid: y }, { job: 'b', uuid: x }]);
    // A renamed job (delete and create) takes its UUID with it.
    const renamed = await p.apply([hourlyJob('a2', { uuid: y }), hourlyJob('b', { uuid: x })]);
    expect(renamed.jobUuids).toEqual([{ job: 'a2', uuid: y }]);
    await fetch(`${server.url}/ping/${y}/fail`);
    expect((await p.status('a2')).state).toBe('failed');
  });

  it("refuses a UUID that another project's job holds, naming it, and changes nothing", async () => {
    const taken = randomUUID();
    const holder = await testProject(server, [hourlyJob('owner', { uuid: taken })]);
    const p = await testProject(server, [hourlyJob('a')]);
    await expect(p.apply([hourlyJob('a', { uuid: taken }), hourlyJob('new-one')]))
      .rejects.toThrow(`job a: uuid ${taken} is already the UUID of job ${holder.name}/owner`);
    await expect(p.status('new-one')).rejects.toThrow();
    expect(await p.uuid('a')).not.toBe(taken);
    // A job's generated UUID is taken as well.
    const generated = await p.uuid('a');
    await expect(holder.apply([hourlyJob('owner', { uuid: taken }), hourlyJob('thief', { uuid: generated })])).rejects.toThrow(`already the UUID of job ${p.name}/a`);
  });

  it('works with curl as an hc-ping script calls it', async () => {
    const p = await testProject(server, [hourlyJob('nightly')]);
    const base = `${server.url}/ping/${await p.uuid('nightly')}`;
    const curl = (...args: string[]) => run('curl', ['-fsS', '-m', '10', '--retry', '3', ...args]);
    expect((await curl(`${base}/start`)).stdout).toBe('OK');
    await curl('--data-raw', 'exit status 2: connection refused', `${base}/2`);
    expect(await p.status('nightly')).toMatchObject({ state: 'failed', lastRun: { exitCode: 2 } });
    await expect(curl(`${server.url}/ping/${randomUUID()}`)).rejects.toThrow(/404/);
  });

  it("takes runitor's requests: POST /{uuid}/start, then /{uuid}/{exit-code} with a chunked text/plain body", async () => {
    const p = await testProject(server, [hourlyJob('runitor-job')]);
    const base = `${server.url}/ping`; // runitor -api-url (HC_API_URL), in place of https://hc-ping.com
    const uuid = await p.uuid('runitor-job');
    const start = await fetch(`${base}/${uuid}/start`, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': 'runitor/v1.3.0 (+https://bdd.fi/x/runitor)' } });
    // runitor sizes the output it keeps from this header.
    expect([start.status, start.headers.get('ping-body-limit')]).toEqual([200, '10000']);
    const output = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('step 1\n')); c.enqueue(new TextEncoder().encode('step 2 failed\n')); c.close(); } });
    const finish = await fetch(`${base}/${uuid}/2`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: output, duplex: 'half' } as RequestInit);
    expect(finish.status).toBe(200);
    expect(await p.status('runitor-job')).toMatchObject({ state: 'failed', lastRun: { exitCode: 2 }, signals: [{ kind: 'fail', body: 'step 1\nstep 2 failed\n' }, { kind: 'start' }] });
  });

  it('gives CORS only to the ping endpoints', async () => {
    expect((await fetch(`${server.url}/healthz`)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(`${server.url}/trpc/jobs.list`)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
