import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
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

  function open(session: string, env: Record<string, string>, url = server.url): void {
    const vars = Object.entries({ PAKYAS_SERVER: url, PAKYAS_TOKEN: ADMIN, TERM: 'xterm-256color', ...env }).map(([k, v]) => `${k}=${v}`);
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
    await eventually(async () => screen(session).includes('Failed (was Pending): exit code 3'), 5000);
    expect(screen(session)).toContain('│ error: disk full');
    expect(screen(session)).toContain(`${project}/nightly-backup  Failed`);
    tmux('send-keys', '-t', session, 'Escape');
    await eventually(async () => screen(session).includes('LAST RUN'), 5000);
    tmux('send-keys', '-t', session, 'q');
    await eventually(async () => !tmux('list-sessions', '-F', '#{session_name}').includes(session), 5000).catch(() => undefined);
    expect(() => tmux('has-session', '-t', session)).toThrow();
  });

  it('handles keys in a burst, keeps the cursor on its job as the list re-sorts, shows a run\'s time and output, and obeys no output', async () => {
    const mine = uniqueProject('keys');
    const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const applied = await adminClient(server).projects.applyConfig.mutate({
      config: { project: mine, jobs: names.map(job), channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    const { token } = await adminClient(server).tokens.create.mutate({ project: mine });
    const session = `keys-${backend}`;
    open(session, { NO_COLOR: '1', PAKYAS_TOKEN: token });
    await eventually(async () => screen(session).includes('›alpha') && screen(session).includes('● live'), 10_000);

    // Two keys in one write: two rows down.
    tmux('send-keys', '-t', session, 'jj');
    await eventually(async () => screen(session).includes('›charlie'), 5000);

    // Rows move under the cursor: echo starts (Running sorts above Pending), alpha fails with
    // output that would clear the screen, set the title and write a link if it were obeyed.
    const ping = (path: string, body?: string) => fetch(`${server.url}/ping/${applied.pingKey}/${path}`, { method: 'POST', ...(body ? { body } : {}) });
    await ping('echo/start');
    await ping('alpha/3', 'step 1\n\u001b[2J\u001b[H\u001b]0;pwned\u0007\u001b]8;;https://evil.example/\u001b\\bank\u001b]8;;\u001b\\\nerror: disk full\n');
    await eventually(async () => /^Failed\s+alpha/m.test(screen(session)) && /^Running\s+echo\s+running \d/m.test(screen(session)), 5000);
    expect(screen(session)).toContain('›charlie');
    expect(screen(session)).not.toContain('0ms');
    tmux('send-keys', '-t', session, 'Enter');
    await eventually(async () => screen(session).includes(`${mine}/charlie  Pending`), 5000);

    tmux('send-keys', '-t', session, 'Escape');
    await eventually(async () => screen(session).includes('LAST RUN'), 5000);
    tmux('send-keys', '-t', session, 'g');
    await eventually(async () => screen(session).includes('›alpha'), 5000);
    tmux('send-keys', '-t', session, 'Enter');
    await eventually(async () => screen(session).includes('│ error: disk full'), 5000);
    const shown = screen(session);
    expect(shown.split('\n')[0]).toMatch(/^Pakyas /);
    // Shown as symbols (the line cut to the pane's width), so nothing was cleared, titled or linked.
    expect(shown).toContain('│ ␛[2J␛[H␛]0;pwned␇␛]8;;https://evil.example/␛\\bank␛]');
    expect(tmux('display-message', '-p', '-t', session, '#{pane_title}')).not.toContain('pwned');
    tmux('send-keys', '-t', session, 'q');
    tmux('send-keys', '-t', session, 'q');
  });

  it('uses colour when NO_COLOR is not set', async () => {
    const session = `colour-${backend}`;
    open(session, {});
    await eventually(async () => screen(session).includes('queue-drain'), 10_000);
    expect(screen(session, true)).toMatch(COLOUR);
    tmux('send-keys', '-t', session, 'q');
  });
});

describe('the dashboard before it has connected', () => {
  it('says it is connecting to the server in its first frame', async () => {
    // A server that accepts connections and never answers.
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const session = 'connecting';
    try {
      tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', 'env', `PAKYAS_SERVER=${url}`, `PAKYAS_TOKEN=${ADMIN}`, 'NO_COLOR=1', 'TERM=xterm-256color', process.execPath, bin, 'dashboard');
      await eventually(async () => screen(session).includes(`connecting to ${url}…`), 10_000);
      expect(screen(session)).not.toContain('No jobs');
      tmux('send-keys', '-t', session, 'q');
      await eventually(async () => { try { tmux('has-session', '-t', session); return false; } catch { return true; } }, 5000);
    } finally {
      try { tmux('kill-session', '-t', session); } catch { /* gone */ }
      silent.close();
    }
  });
  afterAll(() => { try { tmux('kill-server'); } catch { /* none left */ } });
});

describe('the dashboard outside a terminal', () => {
  it('refuses politely and points to pakyas status', async () => {
    const r = await runCli(['dashboard'], { env: { PAKYAS_SERVER: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pakyas dashboard needs an interactive terminal; in scripts and pipes use 'pakyas status'");
  });
});
