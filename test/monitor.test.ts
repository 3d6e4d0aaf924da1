import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../schema/types.js';
import type { RunningServer } from '../server/main.js';
import { bin, repoRoot, runCli } from './helpers/cli.js';
import { adminClient, cleanUp, eventually, startTestServer, uniqueProject } from './helpers/server.js';

const job = (name: string, o: Partial<JobSpec> = {}): JobSpec => ({
  name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300,
  maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...o,
});

describe('pakyas monitor', () => {
  let server: RunningServer;
  let project: string;
  let pingKey: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    project = uniqueProject('monitor');
    const r = await adminClient(server).projects.applyConfig.mutate({
      config: { project, jobs: ['backup', 'codes', 'output', 'killed', 'slow', 'locked', 'spooled', 'missing-cmd'].map((n) => job(n)), channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    pingKey = r.pingKey;
    env = { PAKYAS_SERVER: server.url, PAKYAS_PING_KEY: pingKey, PAKYAS_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'pakyas-spool-')) };
  });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  const status = (j: string) => adminClient(server).jobs.get.query({ project, job: j });
  const timeline = async (j: string) => (await adminClient(server).jobs.timeline.query({ project, job: j, limit: 100 })).entries.map((e) => e.message).reverse();

  it('runs the command, reports start and finish, and says so on stderr', async () => {
    const r = await runCli(['monitor', 'backup', '--', 'sh', '-c', 'echo Backing up database...; echo Uploading to S3...'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Backing up database...\nUploading to S3...\n');
    expect(r.stderr).toContain('[pakyas] Start signal sent');
    expect(r.stderr).toMatch(/\[pakyas\] Finish signal sent \(exit: 0, \d+(\.\d)?(ms|s)\)/);
    const s = await status('backup');
    expect(s.state).toBe('on_schedule');
    expect(s.signals[0]).toMatchObject({ kind: 'success', exitCode: 0, body: 'Backing up database...\nUploading to S3...\n' });
    expect(s.signals[1]!.kind).toBe('start');
    expect(s.signals[0]!.rid).toBe(s.signals[1]!.rid);
  });

  it.each([[0, 'on_schedule'], [1, 'failed'], [3, 'failed']])('passes exit code %i through and reports it', async (code, state) => {
    const r = await runCli(['monitor', 'codes', '-q', '--', 'sh', '-c', `exit ${code}`], { env });
    expect(r.code).toBe(code);
    expect(r.stderr).toBe('');
    const s = await status('codes');
    expect(s.lastRun!.exitCode).toBe(code);
    expect(s.state).toBe(state);
  });

  it('passes the output through byte for byte, and sends its last 10 KB', async () => {
    const script = `
      const bytes = Buffer.alloc(256); for (let i = 0; i < 256; i++) bytes[i] = i;
      process.stdout.write(bytes);
      process.stdout.write('x'.repeat(20000) + 'THE END');
      setTimeout(() => process.stderr.write('to stderr\\n'), 200);`;
    const r = await runCli(['monitor', 'output', '--', process.execPath, '-e', script], { env: { ...env } });
    expect(r.code).toBe(0);
    const expected = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from(`${'x'.repeat(20000)}THE END`)]);
    expect(Buffer.from(r.stdout, 'latin1').length).toBeGreaterThan(0);
    const raw = await runRaw(['monitor', 'output', '-q', '--', process.execPath, '-e', script], env);
    expect(raw.stdout.equals(expected)).toBe(true);
    expect(raw.stderr.toString()).toBe('to stderr\n');
    const body = (await status('output')).signals[0]!.body!;
    // stdout and stderr are two pipes; stderr is written last and late, so it ends the tail.
    expect(body).toContain('THE END');
    expect(body).toContain('to stderr');
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(10_000);
  });

  it('exits 127 for a command that is not found and 126 for one that is not executable, reporting a failed run', async () => {
    const missing = await runCli(['monitor', 'missing-cmd', '--', 'no-such-command-pakyas'], { env });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('pakyas: no-such-command-pakyas: command not found');
    const s = await status('missing-cmd');
    expect(s.state).toBe('failed');
    expect(s.signals[0]).toMatchObject({ exitCode: 127, body: '\n[pakyas] no-such-command-pakyas: command not found\n' });

    const file = join(mkdtempSync(join(tmpdir(), 'pakyas-noexec-')), 'script.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n');
    chmodSync(file, 0o644);
    const noexec = await runCli(['monitor', 'missing-cmd', '--', file], { env });
    expect(noexec.code).toBe(126);
  });

  it('exits 128+N when the command is killed by signal N, and the finish says which', async () => {
    const r = await runCli(['monitor', 'killed', '--', 'sh', '-c', 'kill -KILL $$'], { env });
    expect(r.code).toBe(137);
    const s = await status('killed');
    expect(s.signals[0]).toMatchObject({ kind: 'fail', exitCode: 137 });
    expect(s.signals[0]!.body).toContain('the command was killed by SIGKILL');
  });

  it('forwards SIGTERM to the command', async () => {
    const child = spawn(process.execPath, [bin, 'monitor', 'killed', '-q', '--', 'sh', '-c', 'trap "echo got-term; exit 5" TERM; echo ready; while :; do sleep 0.05; done'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    await eventually(async () => out.includes('ready'), 5000, 20);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('close', r));
    expect(out).toContain('got-term');
    expect(code).toBe(5);
  });

  it('stops a command at --timeout and reports the failure', async () => {
    const r = await runCli(['monitor', 'slow', '--timeout', '1s', '--', 'sleep', '10'], { env });
    expect(r.code).toBe(124);
    expect(r.stderr).toContain('[pakyas] timed out after 1s; stopping the command');
    expect((await status('slow')).signals[0]!.body).toContain('timed out after 1s (--timeout) and was stopped');
  });

  it('skips a run with --lock while the previous one on this host is still going, and records it', async () => {
    const first = spawn(process.execPath, [bin, 'monitor', 'locked', '--lock', '-q', '--', 'sh', '-c', 'echo started; sleep 2'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    first.stdout.on('data', (d) => { out += d; });
    await eventually(async () => out.includes('started'), 5000, 20);
    const second = await runCli(['monitor', 'locked', '--lock', '--', 'echo', 'should not run'], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(/\[pakyas\] skipped: the previous run \(pid \d+\) is still going/);
    expect((await timeline('locked')).at(-1)).toMatch(/^Log: Run skipped on .*: the previous run \(pid \d+\) is still going \(--lock\)$/);
    await new Promise((r) => first.on('close', r));
    const third = await runCli(['monitor', 'locked', '--lock', '--', 'echo', 'runs now'], { env });
    expect(third.stdout).toBe('runs now\n');
  });

  it('runs the command at once with the server down, adds little time, and spools the finish', async () => {
    const port = await closedPort();
    const spoolDir = mkdtempSync(join(tmpdir(), 'pakyas-spool-'));
    const down = { PAKYAS_SERVER: `http://127.0.0.1:${port}`, PAKYAS_PING_KEY: pingKey, PAKYAS_SPOOL_DIR: spoolDir };
    const t0 = Date.now();
    const r = await runCli(['monitor', 'spooled', '--', process.execPath, '-e', 'console.log(Date.now())'], { env: down });
    const total = Date.now() - t0;
    expect(r.code).toBe(0);
    expect(Number(r.stdout.trim()) - t0).toBeLessThan(1500);
    expect(total).toBeLessThan(5000);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('the finish signal is spooled');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('runs the command at once when the server hangs, and gives up within a few seconds', async () => {
    const hanging: Server = createServer(() => { /* never answers */ });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = hanging.address() as AddressInfo;
      const t0 = Date.now();
      const r = await runCli(['monitor', 'spooled', '--', process.execPath, '-e', 'console.log(Date.now())'], {
        env: { PAKYAS_SERVER: `http://127.0.0.1:${port}`, PAKYAS_PING_KEY: pingKey, PAKYAS_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'pakyas-spool-')) },
      });
      expect(r.code).toBe(0);
      expect(Number(r.stdout.trim()) - t0).toBeLessThan(1500);
      expect(Date.now() - t0).toBeLessThan(6000);
      expect(r.stderr).toContain('no answer within 2000 ms');
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('delivers a spooled finish once the server is back, judged at the time it really happened', async () => {
    const port = await closedPort();
    const spoolDir = mkdtempSync(join(tmpdir(), 'pakyas-spool-'));
    const down = { PAKYAS_SERVER: `http://127.0.0.1:${port}`, PAKYAS_PING_KEY: pingKey, PAKYAS_SPOOL_DIR: spoolDir };
    const ran = await runCli(['monitor', 'spooled', '--', 'sh', '-c', 'echo nightly work; exit 2'], { env: down });
    expect(ran.code).toBe(2);
    const ranAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500));

    const back = await startTestServer('pglite', { port });
    try {
      const r = await runCli(['status', `${project}/spooled`, '--json'], { env: { ...down, PAKYAS_TOKEN: 'test-admin-token-0123456789abcdef' } });
      expect(r.stderr).toContain('[pakyas] sent 1 spooled signal');
      const s = await status('spooled');
      expect(s.signals[0]).toMatchObject({ kind: 'fail', exitCode: 2, replayed: true, body: 'nightly work\n' });
      const finishedAt = Date.parse(s.lastRun!.finishedAt);
      expect(finishedAt).toBeLessThanOrEqual(ranAt);
      expect(Date.parse(s.signals[0]!.receivedAt) - finishedAt).toBeGreaterThan(1000);
      expect((await timeline('spooled')).some((m) => m.includes('exit code 2') && m.includes('(replayed later with the time it happened)'))).toBe(true);
      expect(readdirSync(spoolDir).filter((f) => f.endsWith('.json'))).toEqual([]);
    } finally {
      await back.close();
    }
  });
});

function runRaw(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err) }));
  });
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}
