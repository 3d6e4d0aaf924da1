import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from './helpers/cli.js';

const basic = join(repoRoot, 'examples', 'basic', 'pakyas.yaml');
const invalid = join(repoRoot, 'test', 'fixtures', 'invalid', 'semantics.yaml');

describe('the pakyas command line', () => {
  it('lists its commands with --help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: pakyas COMMAND/);
    for (const c of ['init', 'validate', 'next']) expect(r.stdout).toContain(`  ${c} `);
  });

  it('shows a command\'s options with COMMAND --help', async () => {
    const r = await runCli(['next', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: pakyas next [JOB] [-f FILE] [--from ISO] [--count N] [--json]');
    expect(r.stdout).toContain('--count N');
  });

  it('refuses an unknown command with a hint and exit 1', async () => {
    const r = await runCli(['valdate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pakyas: unknown command 'valdate'; did you mean 'validate'?");
  });

  it('refuses an unknown flag with a hint and the usage line', async () => {
    const r = await runCli(['validate', '--fromat', 'github']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pakyas validate: unknown option '--fromat'; did you mean '--format'?");
    expect(r.stderr).toContain('usage: pakyas validate');
  });
});

describe('pakyas validate', () => {
  it('says a valid file is valid, with a summary, and exits 0', async () => {
    const r = await runCli(['validate', '-f', basic]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is valid: project billing, 3 jobs, 1 channel, 2 routes');
  });

  it('prints one file:line:col line per error and exits 1', async () => {
    const r = await runCli(['validate', '-f', invalid]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(15);
    expect(lines[0]).toBe(`${invalid}:4:13: defaults.timezone: "Europe/Berln" is not a known IANA time zone (did you mean Europe/Berlin?); write a name like UTC, Europe/Berlin or America/New_York`);
    expect(r.stderr).toContain('15 errors');
  });

  it('checks which variables the file reads as plan does, with the names a CI job allows', async () => {
    const rule = 'channels.leak.webhook_url: ${GITHUB_TOKEN} reads a variable not named PAKYAS_SECRET_*';
    expect((await runCli(['validate', '-f', invalid])).stdout).toContain(rule);
    const allowed = await runCli(['validate', '-f', invalid, '--allow-env', 'GITHUB_TOKEN']);
    expect(allowed.stdout).not.toContain(rule);
    expect(allowed.stderr).toContain('14 errors');
  });

  it('prints GitHub Actions annotations with --format github', async () => {
    const r = await runCli(['validate', '-f', invalid, '--format', 'github']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe(`::error file=${invalid},line=4,col=13,title=pakyas::defaults.timezone: "Europe/Berln" is not a known IANA time zone (did you mean Europe/Berlin?); write a name like UTC, Europe/Berlin or America/New_York`);
  });

  it('prints errors as JSON with --json', async () => {
    const r = await runCli(['validate', '-f', invalid, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.errors[0]).toMatchObject({ line: 4, col: 13, path: 'defaults.timezone' });
  });

  it('explains a missing file and how to start one', async () => {
    const r = await runCli(['validate', '-f', '/nonexistent/pakyas.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/nonexistent/pakyas.yaml: no such file; run 'pakyas init'");
  });
});

describe('pakyas next', () => {
  it('lists the next runs with window and deadline in the job\'s zone and UTC', async () => {
    const r = await runCli(['next', 'nightly-backup', '-f', basic, '--from', '2026-03-28T12:00:00Z', '--count', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nightly-backup  cron "0 3 * * *" in Europe/Berlin, grace 10m');
    expect(r.stdout).toContain('2026-03-29 03:00 CEST  01:50–03:10  2026-03-29 01:00 UTC  2026-03-29 01:10 UTC');
    expect(r.stdout).toContain('2026-03-30 03:00 CEST  02:50–03:10  2026-03-30 01:00 UTC  2026-03-30 01:10 UTC');
  });

  it('gives ISO-8601 UTC times with --json', async () => {
    const r = await runCli(['next', '-f', basic, '--from', '2026-03-28T12:00:00Z', '--count', '1', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.map((j: { job: string }) => j.job)).toEqual(['nightly-backup', 'invoice-run', 'queue-drain']);
    expect(out[0].runs[0]).toEqual({ due: '2026-03-29T01:00:00.000Z', windowStart: '2026-03-29T00:50:00.000Z', deadline: '2026-03-29T01:10:00.000Z', dueLocal: '2026-03-29 03:00 CEST' });
    expect(out[2].runs[0].due).toBe('2026-03-28T12:15:00.000Z');
  });

  it('accepts PROJECT/JOB and suggests a name for a typo', async () => {
    expect((await runCli(['next', 'billing/queue-drain', '-f', basic, '--json'])).code).toBe(0);
    const r = await runCli(['next', 'nightly-bakup', '-f', basic]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no job 'nightly-bakup' in");
    expect(r.stderr).toContain("did you mean 'nightly-backup'?");
  });

  it('refuses a --from without a zone and a --count out of range', async () => {
    expect((await runCli(['next', '-f', basic, '--from', '2026-03-28T12:00'])).stderr).toContain('is not an ISO-8601 time with a zone');
    expect((await runCli(['next', '-f', basic, '--count', '0'])).stderr).toContain('--count must be a whole number from 1 to 1000');
  });
});

describe('pakyas init', () => {
  it('writes a starter file that validates, with the schema beside it, and never overwrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pakyas-init-'));
    const first = await runCli(['init', '--project', 'shop'], { cwd: dir });
    expect(first.code).toBe(0);
    const text = readFileSync(join(dir, 'pakyas.yaml'), 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=./pakyas.schema.json')).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'pakyas.schema.json'), 'utf8')).$defs.job).toBeDefined();
    expect((await runCli(['validate'], { cwd: dir })).code).toBe(0);

    writeFileSync(join(dir, 'pakyas.yaml'), 'mine\n');
    const second = await runCli(['init'], { cwd: dir });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already exists');
    expect(readFileSync(join(dir, 'pakyas.yaml'), 'utf8')).toBe('mine\n');
  });
});
