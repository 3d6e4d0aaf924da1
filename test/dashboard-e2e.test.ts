import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../schema/types.js';
import type { RunningServer } from '../server/main.js';
import { bin, runCli } from './helpers/cli.js';
import { ADMIN, adminClient, backends, cleanUp, eventually, newSchema, startTestServer, uniqueProject } from './helpers/server.js';

// The real dashboard, in a real pseudo-terminal (tmux, 80×24), against a real server.
const socket = `pakyas-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const screen = (session: string, escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
/** A foreground colour being set (39 only resets it). */
const COLOUR = /\u001b\[(3[0-8]|9[0-7])(;[0-9;]*)?m/;
const job = (name: string): JobSpec => ({
  name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1,
});

describe.each(backends)('the dashboard in a terminal, on %s', (backend) => {
  let server: RunningServer;
  let other: RunningServer | null = null;
  let project: string;
  let pingKey: string;
  beforeAll(async () => {
    const schema = backend === 'postgres' ? newSchema() : undefined;
    server = await startTestServer(backend, schema ? { schema } : {});
    // On Postgres, a second server on the same database: what it commits must reach the dashboard too.
    if (schema) other = await startTestServer(backend, { schema });
    project = uniqueProject('dash');
    const r = await adminClient(server).projects.applyConfig.mutate({
      config: { project, jobs: [job('nightly-backup'), job('queue-drain'), job('invoice-run')], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    pingKey = r.pingKey;
  });
  afterAll(async () => {
    try { tmux('kill-server'); } catch { /* none left */ }
    await other?.close();
    await server?.close();
    await cleanUp();
  });

  function open(session: string, env: Record<string, string>): void {
    const vars = Object.entries({ PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN, TERM: 'xterm-256color', ...env }).map(([k, v]) => `${k}=${v}`);
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'env', ...vars, process.execPath, bin, 'dashboard');
  }

  it('shows the jobs, updates live as signals arrive, opens a timeline, and quits', async () => {
    const session = `live-${backend}`;
    open(session, { NO_COLOR: '1' });
    await eventually(async () => screen(session).includes('queue-drain') && screen(session).includes('● live'), 10_000);
    const first = screen(session).split('\n');
    expect(first[0]).toMatch(/^Pakyas 3 Pending\s+● live$/);
    expect(first.every((l) => l.length <= 80)).toBe(true);
    expect(screen(session, true)).not.toMatch(COLOUR);

    const via = other ?? server;
    const sent = Date.now();
    await fetch(`${via.url}/ping/${pingKey}/nightly-backup/3`, { method: 'POST', body: 'error: disk full' });
    await eventually(async () => /^Failed\s+›?\s*nightly-backup\s+(now|\S+ ago) exit 3/m.test(screen(session)), 5000, 25);
    expect(Date.now() - sent).toBeLessThan(1000);
    expect(screen(session).split('\n')[2]).toMatch(/^Failed/); // worst first

    // The selection stays on its job as the order changes; g goes to the top, the failed job.
    tmux('send-keys', '-t', session, 'g');
    await eventually(async () => /›nightly-backup/.test(screen(session)), 5000);
    tmux('send-keys', '-t', session, 'Enter');
    await eventually(async () => screen(session).includes('Status transitioned due to failed'), 5000);
    expect(screen(session)).toContain(`${project}/nightly-backup  Failed`);
    tmux('send-keys', '-t', session, 'Escape');
    await eventually(async () => screen(session).includes('LAST RUN'), 5000);
    tmux('send-keys', '-t', session, 'q');
    await eventually(async () => !tmux('list-sessions', '-F', '#{session_name}').includes(session), 5000).catch(() => undefined);
    expect(() => tmux('has-session', '-t', session)).toThrow();
  });

  it('uses colour when NO_COLOR is not set', async () => {
    const session = `colour-${backend}`;
    open(session, {});
    await eventually(async () => screen(session).includes('queue-drain'), 10_000);
    expect(screen(session, true)).toMatch(COLOUR);
    tmux('send-keys', '-t', session, 'q');
  });
});

describe('the dashboard outside a terminal', () => {
  it('refuses politely and points to pakyas status', async () => {
    const r = await runCli(['dashboard'], { env: { PAKYAS_SERVER: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pakyas dashboard needs an interactive terminal; in scripts and pipes use 'pakyas status'");
  });
});
