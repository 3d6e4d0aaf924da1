import { mkdtempSync, readdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/main.js';
import { runCli } from './helpers/cli.js';
import { adminClient, applyNewProject, cleanUp, hourlyJob, startTestServer } from './helpers/server.js';

// A host with a project token and no ping key: `pakyas ping` and `pakyas monitor` ask the server
// for the key once, keep it, and report as they would with the key.
describe('ping and monitor with a project token alone', () => {
  let server: RunningServer;
  let project: string;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    ({ project } = await applyNewProject(server, { jobs: ['weekly-report', 'backup', 'offline'].map((n) => hourlyJob(n)) }));
    token = (await adminClient(server).tokens.create.mutate({ project })).token;
  });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  // The key cache sits beside the spool (its parent's ping-keys/): each test gets a parent of its own.
  const fresh = () => join(mkdtempSync(join(tmpdir(), 'pakyas-state-')), 'spool');
  const env = (spool: string, o: Record<string, string | undefined> = {}) => ({ PAKYAS_SERVER: server.url, PAKYAS_TOKEN: token, PAKYAS_PING_KEY: undefined, PAKYAS_SPOOL_DIR: spool, ...o });
  const status = (job: string) => adminClient(server).jobs.get.query({ project, job });

  it('ping gets the key once, caches it beside the spool, and keeps working from the cache', async () => {
    const spool = fresh();
    const r = await runCli(['ping', 'weekly-report', 'fail', '--exit-code', '4', '-m', 'quota exceeded'], { env: env(spool) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await status('weekly-report')).lastOutput).toEqual({ text: 'quota exceeded', cutBytes: 0 });
    expect(readdirSync(join(spool, '..', 'ping-keys')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    // The cached key is what signals need: with the token revoked, the host still reports.
    const { id, token: other } = await adminClient(server).tokens.create.mutate({ project });
    await runCli(['ping', 'weekly-report', 'start'], { env: env(spool, { PAKYAS_TOKEN: other }) });
    await adminClient(server).tokens.revoke.mutate({ id });
    const cached = await runCli(['ping', 'weekly-report', 'success'], { env: env(spool, { PAKYAS_TOKEN: other }) });
    expect(cached.code).toBe(0);
    expect((await status('weekly-report')).state).toBe('on_schedule');
  });

  it('monitor reports the run with only the token', async () => {
    const r = await runCli(['monitor', 'backup', '--', 'sh', '-c', 'echo dumping; exit 3'], { env: env(fresh()) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('[pakyas] Start signal sent');
    expect(r.stderr).toContain('[pakyas] Finish signal sent (exit: 3');
    const s = await status('backup');
    expect(s.state).toBe('failed');
    expect(s.lastOutput?.text).toBe('dumping\n');
  });

  it('spools a finish when the server cannot be asked for the key, and sends it once a later run has the key', async () => {
    const spool = fresh();
    // A port where nothing listens yet; later a proxy to the server opens there.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const down = await runCli(['monitor', 'offline', '-q', '--', 'true'], { env: env(spool, { PAKYAS_SERVER: url }) });
    expect(down.code).toBe(0);
    expect(down.stderr).toContain(`cannot reach the Pakyas server at ${url} to get the ping key`);
    expect(down.stderr).toContain('the finish signal is spooled');
    expect(readdirSync(spool).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect((await status('offline')).state).toBe('pending');

    const proxy = await forward(port, new URL(server.url));
    try {
      const later = await runCli(['ping', 'offline', 'log', '-m', 'back online'], { env: env(spool, { PAKYAS_SERVER: url }) });
      expect(later.code).toBe(0);
      expect(later.stderr).toContain('[pakyas] sent 1 spooled signal');
      expect(readdirSync(spool).filter((f) => f.endsWith('.json'))).toHaveLength(0);
      const s = await status('offline');
      expect(s.state).toBe('on_schedule');
      expect(s.signals[0]!.replayed).toBe(true);
    } finally {
      proxy.close();
    }
  });

  it('refuses a read-only token, and says what to use instead', async () => {
    const readOnly = (await adminClient(server).tokens.create.mutate({ project, readOnly: true })).token;
    const r = await runCli(['ping', 'backup', 'success'], { env: env(fresh(), { PAKYAS_TOKEN: readOnly }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pakyas ping: no ping key from the server: this token is read-only for project ${project}; signals need the project's ping key (PAKYAS_PING_KEY) or a token that may change it\n`);
  });

  it('suggests the job meant when the name has a typo', async () => {
    const r = await runCli(['ping', 'weekly-reprot', 'success'], { env: env(fresh()) });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pakyas ping: no ping key from the server: no job weekly-reprot; did you mean weekly-report?\n`);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => resolve(port)); });
  });
}

/** A TCP proxy from `port` to `to`: the server, back under the address a host knew it by. */
function forward(port: number, to: URL): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((socket) => {
      const upstream = connect(Number(to.port), to.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    }).listen(port, '127.0.0.1', () => resolve(s));
  });
}
