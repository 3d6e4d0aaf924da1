// examples/server/: the systemd unit that runs `pakyas server` as a service, and its environment
// file. systemd-analyze reads the unit as systemd would (in a scratch root holding the unit, the
// environment file, a stand-in for /usr/local/bin/pakyas and this machine's own units), with no
// systemd running.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
const unit = readFileSync(join(repoRoot, 'examples', 'server', 'pakyas.service'), 'utf8');
const envFile = readFileSync(join(repoRoot, 'examples', 'server', 'pakyas.env'), 'utf8');
const roots: string[] = [];

/** A root with the unit (as given), the environment file and a pakyas to run; systemd's own units from this machine. */
function scratchRoot(unitText: string): string {
  const root = mkdtempSync(join(tmpdir(), 'pakyas-unit-'));
  roots.push(root);
  for (const dir of ['etc/systemd/system', 'etc/pakyas', 'usr/local/bin', 'usr/lib/systemd']) mkdirSync(join(root, dir), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(root, 'etc/systemd/system/pakyas.service'), unitText);
  writeFileSync(join(root, 'etc/pakyas/pakyas.env'), envFile);
  writeFileSync(join(root, 'usr/local/bin/pakyas'), '#!/bin/sh\n');
  chmodSync(join(root, 'usr/local/bin/pakyas'), 0o755);
  return root;
}

function analyze(...args: string[]) {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

const verify = (root: string) => analyze('verify', `--root=${root}`, '--man=no', '--generators=no', '/etc/systemd/system/pakyas.service');

describe.skipIf(!hasAnalyze)('examples/server/pakyas.service (systemd-analyze; Debian package systemd)', () => {
  afterAll(() => { for (const r of roots) rmSync(r, { recursive: true, force: true }); });

  it('verifies with no error and no warning', () => {
    expect(verify(scratchRoot(unit))).toEqual({ code: 0, output: '' });
  });

  it('(and the check reads the unit: a mistake in it is reported)', () => {
    const r = verify(scratchRoot(unit.replace('ProtectSystem=strict', 'ProtectSystem=sometimes')));
    expect(r.output).toMatch(/pakyas\.service:\d+: .*sometimes/);
  });

  it('runs hardened: systemd rates its exposure OK', () => {
    const r = analyze('security', '--offline=true', `--root=${scratchRoot(unit)}`, '/etc/systemd/system/pakyas.service');
    const level = /Overall exposure level for pakyas\.service: ([\d.]+) (\w+)/.exec(r.output);
    expect(level, r.output).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(2);
    expect(level![2]).toBe('OK');
  });
});

describe('examples/server/pakyas.service and pakyas.env', () => {
  it('runs the installed binary as a user of its own, with a state directory, and gives it time to stop', () => {
    for (const line of ['ExecStart=/usr/local/bin/pakyas server --host 0.0.0.0 --data-dir /var/lib/pakyas', 'DynamicUser=yes', 'StateDirectory=pakyas',
      'NoNewPrivileges=yes', 'ProtectSystem=strict', 'EnvironmentFile=/etc/pakyas/pakyas.env', 'KillSignal=SIGTERM']) {
      expect(unit.split('\n')).toContain(line);
    }
    // SIGTERM lets requests under way finish for up to 10 s (server/shutdown.ts); systemd must wait longer.
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1])).toBeGreaterThan(15);
  });

  it('documents every variable the server reads', () => {
    const files = [join(repoRoot, 'cli', 'commands', 'server.ts'), ...sourceFiles(join(repoRoot, 'server'))];
    const read = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/(?:env\.|env: ')(PAKYAS_[A-Z_]+|DATABASE_URL)\b/g)].map((m) => m[1]!)));
    const listed = new Set([...envFile.matchAll(/^#?([A-Z][A-Z_]+)=/gm)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThan(15);
    expect([...read].filter((v) => !listed.has(v))).toEqual([]);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect([...listed].filter((v) => !readme.includes(v))).toEqual([]);
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}
