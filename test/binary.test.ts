// The single binary (npm run build:binary) on a host without Node: every process here runs with a
// PATH that holds nothing but `sh`, and the server it reports to is the binary too.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinary } from './helpers/binary.js';
import { repoRoot } from './helpers/cli.js';
import { ADMIN, eventually } from './helpers/server.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// The arm64 binary runs here only under emulation, with arm64's C libraries in a directory of their
// own (docs/performance.md says how to make one): a check for a developer, off in CI.
const arm64Root = process.env.PAKYAS_TEST_ARM64_ROOT;
const qemuPath = spawnSync('sh', ['-c', 'command -v qemu-aarch64-static'], { encoding: 'utf8' }).stdout.trim();
const canRunArm64 = !!arm64Root && process.arch !== 'arm64' && qemuPath !== '';

interface Run { code: number | null; stdout: string; stderr: string }

describe('the single binary, on a host without Node', () => {
  let binary: string;
  let home: string;
  let path: string;
  let server: ServerProcess;
  let pingKey: string;
  let dataDir: string;

  /** The binary as a host runs it: this environment and nothing else. */
  const run = (args: string[], env: Record<string, string> = {}): Promise<Run> => new Promise((resolve, reject) => {
    const child = spawn(binary, args, { cwd: home, env: { PATH: path, HOME: home, NO_COLOR: '1', PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN, PAKYAS_PING_KEY: pingKey, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

  beforeAll(async () => {
    binary = await ensureBinary();
    home = mkdtempSync(join(tmpdir(), 'pakyas-binary-'));
    // The host's PATH: a shell for the jobs, and no node.
    path = join(home, 'bin');
    mkdirSync(path);
    symlinkSync('/bin/sh', join(path, 'sh'));
    dataDir = join(home, 'data');
    server = await spawnServer({ PATH: path, HOME: home, PAKYAS_ADMIN_TOKEN: ADMIN }, ['--data-dir', dataDir], binary);
    writeFileSync(join(home, 'pakyas.yaml'), 'version: 1\nproject: hosts\njobs:\n  backup:\n    every: 1h\n  spooled:\n    every: 1h\n');
    pingKey = '';
    const applied = await run(['apply', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    pingKey = JSON.parse(applied.stdout).pingKey;
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('is one self-contained executable: no node on PATH, and no script interpreter', async () => {
    expect(readFileSync(binary).subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46])); // ELF
    const r = await run(['monitor', 'backup', '-q', '--', 'sh', '-c', 'command -v node || echo "no node here"']);
    expect(r.stdout).toBe('no node here\n');
  });

  it('says its version and the commit it was built from', async () => {
    const info = JSON.parse(readFileSync(join(repoRoot, 'dist', 'build-info.json'), 'utf8'));
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`pakyas ${info.version} (commit ${info.commit})\n`);
    expect(info.commit).not.toBe('unknown'); // built in a git clone
  });

  it('validates a file offline, with the schema inside it', async () => {
    const ok = await run(['validate', '-f', join(repoRoot, 'examples', 'basic', 'pakyas.yaml')], { PAKYAS_SERVER: 'http://127.0.0.1:9' });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('is valid');
    writeFileSync(join(home, 'bad.yaml'), 'version: 1\nproject: x\njobs:\n  a:\n    every: 10 minutes\n');
    const bad = await run(['validate', '-f', join(home, 'bad.yaml')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/bad\.yaml:5:\d+: jobs\.a\.every/);
    // init writes the schema beside the file, from the copy compiled in.
    mkdirSync(join(home, 'new'));
    expect((await run(['init', '-f', join(home, 'new', 'pakyas.yaml'), '--project', 'new'])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'new', 'pakyas.schema.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(join(repoRoot, 'pakyas.schema.json'), 'utf8')));
  });

  it('monitors a command against a server (the binary\'s own, on its embedded database)', async () => {
    const r = await run(['monitor', 'backup', '--', 'sh', '-c', 'echo dumping; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('dumping\n');
    expect(r.stderr).toContain('[pakyas] Start signal sent');
    expect(r.stderr).toMatch(/\[pakyas\] Finish signal sent \(exit: 3, /);
    const status = await run(['status', 'backup', '--json']);
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ job: 'backup', state: 'failed', lastRun: { exitCode: 3 } });
  });

  it('as a server, hands out its own file for hosts to install', async () => {
    const sums = await (await fetch(`${server.url}/download/SHA256SUMS`)).text();
    const sum = createHash('sha256').update(readFileSync(binary)).digest('hex');
    expect(sums).toBe(`${sum}  pakyas-linux-${process.arch}\n`);
  });

  it('keeps a finish in the spool while the server is down, and the next command sends it once it is back', async () => {
    const spool = join(home, 'spool');
    const port = new URL(server.url).port;
    expect(await server.stop()).toBe(0);
    const r = await run(['monitor', 'spooled', '--', 'sh', '-c', 'echo still runs'], { PAKYAS_SPOOL_DIR: spool });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('still runs\n');
    expect(r.stderr).toContain('the finish signal is spooled');
    expect(readdirSync(spool)).toHaveLength(1);

    // The same server again, at the same address, on the same data (SIGTERM lost nothing).
    server = await spawnServer({ PATH: path, HOME: home, PAKYAS_ADMIN_TOKEN: ADMIN }, ['--data-dir', dataDir, '--port', port], binary);
    const later = await run(['status', 'spooled', '--json'], { PAKYAS_SPOOL_DIR: spool });
    expect(later.stderr).toContain('[pakyas] sent 1 spooled signal');
    expect(readdirSync(spool)).toHaveLength(0);
    const status = JSON.parse((await run(['status', '--json'])).stdout);
    expect(status.find((j: { job: string }) => j.job === 'spooled')).toMatchObject({ state: 'on_schedule', lastRun: { exitCode: 0 } });
    expect(status.find((j: { job: string }) => j.job === 'backup')).toMatchObject({ state: 'failed', lastRun: { exitCode: 3 } });
    const timeline = await run(['timeline', 'spooled']);
    expect(timeline.stdout).toContain('(replayed later with the time it happened)');
  });

  it.skipIf(!hasTmux)('draws the dashboard in a terminal (its layout engine loads on demand in the binary)', async () => {
    const socket = `pakyas-binary-${process.pid}`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      tmux('new-session', '-d', '-s', 'dash', '-x', '80', '-y', '24', 'env', '-i', `PATH=${path}`, `HOME=${home}`, 'TERM=xterm-256color', 'NO_COLOR=1',
        `PAKYAS_SERVER=${server.url}`, `PAKYAS_TOKEN=${ADMIN}`, binary, 'dashboard');
      await eventually(async () => /Failed\s+›?\s*backup/.test(tmux('capture-pane', '-p', '-t', 'dash')), 10_000);
    } finally {
      try { tmux('kill-server'); } catch { /* gone */ }
    }
  });

  it.skipIf(!canRunArm64)('the arm64 binary answers too, under emulation (PAKYAS_TEST_ARM64_ROOT)', async () => {
    const arm64 = join(repoRoot, 'dist', 'pakyas-linux-arm64');
    const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-binary.mjs'), '--arch', 'arm64'], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const qemu = (args: string[]) => spawnSync(qemuPath, ['-L', arm64Root!, arm64, ...args], { encoding: 'utf8', env: { PATH: path, HOME: home } });
    const info = JSON.parse(readFileSync(join(repoRoot, 'dist', 'build-info.json'), 'utf8'));
    expect(qemu(['--version']).stdout).toBe(`pakyas ${info.version} (commit ${info.commit})\n`);
    expect(qemu(['validate', '-f', join(repoRoot, 'examples', 'basic', 'pakyas.yaml')]).status).toBe(0);
    const monitored = qemu(['monitor', 'backup', '--server', server.url, '--ping-key', pingKey, '--', 'sh', '-c', 'exit 7']);
    expect(monitored.status).toBe(7);
    expect(JSON.parse((await run(['status', 'backup', '--json'])).stdout)[0]).toMatchObject({ lastRun: { exitCode: 7 } });
  }, 120_000);
});
