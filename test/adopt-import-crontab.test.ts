import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCrontab } from '../cli/import/crontab-parse.js';
import { loadConfig } from '../schema/load.js';
import type { RunningServer } from '../server/main.js';
import { bin, repoRoot, runCli } from './helpers/cli.js';
import { debianCrontabCheck, runCronLine } from './helpers/cron-run.js';
import { ADMIN, adminClient, backends, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'adopt');
const BILLING = readFileSync(join(FIXTURES, 'crontab.txt'), 'utf8');
const PAKYAS = '/usr/local/bin/pakyas';

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'pakyas-import-crontab-'));
}

async function importCrontab(args: string[], input?: string) {
  const dir = workspace();
  const out = join(dir, 'pakyas.yaml');
  const r = await runCli(['import', 'crontab', ...args, '-o', out, '--timezone', 'UTC', '--bin', PAKYAS, '--project', 'billing'], { ...(input !== undefined ? { input } : {}), env: { PAKYAS_SERVER: undefined, PAKYAS_PING_KEY: undefined } });
  return { ...r, dir, out, yaml: r.code === 0 ? readFileSync(out, 'utf8') : '' };
}

describe('pakyas import crontab', () => {
  it('turns a 25-line crontab with env lines, % and macros into a file that validates, with readable unique names', async () => {
    const r = await importCrontab([join(FIXTURES, 'crontab.txt')]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    const loaded = loadConfig(r.yaml);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const jobs = Object.fromEntries(loaded.config.jobs.map((j) => [j.name, j]));
    expect(Object.keys(jobs)).toEqual([
      'backup-full', 'backup-incremental', 'drain-queue', 'artisan-invoices-send', 'report', 'find-billing', 'sync-rates', 'tar',
      'mail', 'backup-verify', 'nyc_report', 'ping-partner',
    ]);
    expect(jobs['backup-full']).toMatchObject({ description: 'Nightly dump of the billing database to object storage', schedule: { kind: 'cron', cron: '0 3 * * *' }, timezone: 'UTC' });
    expect(jobs['backup-incremental']!.description).toBe('Hourly incremental backup');
    expect(jobs['sync-rates']!.schedule).toEqual({ kind: 'cron', cron: '@hourly' });
    // CRON_TZ gives the jobs after it their zone; TZ only sets the commands' environment.
    expect(jobs.nyc_report).toMatchObject({ timezone: 'America/New_York', schedule: { cron: '0 9 * * mon-fri' } });
    expect(jobs['ping-partner']).toMatchObject({ timezone: 'America/New_York', uuid: '2b4f8c6e-1f7a-4c1e-9a55-1c7d3f0e8b21' });
    // A commented-out job is not the next job's description.
    expect(jobs['backup-verify']!.description).toBeNull();
    expect(r.stderr).toContain('note: line 17: @reboot runs at boot, not on a schedule Pakyas can expect; left as it is');
    expect(r.stderr).toContain('note: TZ=Europe/Berlin sets the commands\' environment only');
    expect(r.stderr).toContain('note: line 25 also pings Healthchecks');

    const validate = await runCli(['validate', '-f', r.out]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
  });

  it('prints the crontab with each command under pakyas monitor, every other line as it was', async () => {
    const r = await importCrontab([join(FIXTURES, 'crontab.txt')]);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '# Reporting to Pakyas (pakyas import crontab): each job runs under `pakyas monitor`, which starts it',
      '# at once, passes its output through and exits with its exit code, whatever the server does.',
      '# PAKYAS_SERVER=https://pakyas.example.com',
      '# PAKYAS_PING_KEY=the-ping-key-pakyas-apply-prints',
    ]);
    const body = lines.slice(4, -1);
    const original = BILLING.trimEnd().split('\n');
    expect(body).toHaveLength(original.length);
    const expected: Record<number, string> = {
      8: `0 3 * * * ${PAKYAS} monitor backup-full -- /opt/billing/backup.sh --full`,
      11: `*/15 * * * * ${PAKYAS} monitor drain-queue -- /bin/bash -c 'cd /opt/billing && ./bin/drain-queue >> /var/log/drain.log 2>&1'`,
      13: `0 4 * * 1-5 ${PAKYAS} monitor report -- /usr/local/bin/report "daily summary" 'to finance'`,
      15: `@hourly ${PAKYAS} monitor sync-rates -- /opt/billing/bin/sync-rates`,
      16: '@reboot /opt/billing/bin/warm-cache',
      17: `0 2 * * 0 ${PAKYAS} monitor tar -- /bin/bash -c 'tar czf /backups/www-$(date +\\%Y\\%m\\%d).tgz /var/www'`,
      18: `45 23 * * * ${PAKYAS} monitor mail -- mail -s "Billing: end of day" ops@example.com%Totals are in the dashboard.%Bye.`,
    };
    for (const [i, line] of Object.entries(expected)) expect(body[Number(i)]).toBe(line);
    // Every line that is not a job is exactly as it was.
    const kinds = parseCrontab(BILLING, false);
    body.forEach((line, i) => { if (kinds[i]!.kind !== 'job') expect(line).toBe(original[i]); });
  });

  it('passes Debian cron\'s own syntax check (crontab -n), where the test machine has it', async () => {
    const r = await importCrontab([join(FIXTURES, 'crontab.txt')]);
    const before = debianCrontabCheck(BILLING);
    const after = debianCrontabCheck(r.stdout);
    if (before === null || after === null) {
      // Asked for and not run is a failure; not asked for, a note.
      expect(process.env.PAKYAS_TEST_DEBIAN_CRONTAB, 'PAKYAS_TEST_DEBIAN_CRONTAB is set but crontab -n could not run').toBeUndefined();
      console.warn('Debian crontab -n not run: set PAKYAS_TEST_DEBIAN_CRONTAB to a Debian crontab binary and run as root (docs/migrating.md)');
      return;
    }
    expect(before.ok, before.output).toBe(true);
    expect(after, after.output).toMatchObject({ ok: true });
    expect(debianCrontabCheck('0 3 * * /bin/true\n')?.ok).toBe(false);
  });

  it('keeps what every command means: output, exit code and stdin, before and after the rewrite', async () => {
    const dir = workspace();
    // Stands in for pakyas monitor: runs what follows `--`, as monitor does, and nothing else.
    const fake = join(dir, 'fake-pakyas');
    writeFileSync(fake, '#!/bin/sh\n[ "$1" = monitor ] || exit 99\nshift 2\n[ "$1" = -- ] || exit 98\nshift\nexec "$@"\n');
    chmodSync(fake, 0o755);
    const commands = [
      `echo "a  b" 'c  d' e\\ f`,
      'cd /tmp && pwd',
      'echo one; echo two >&2; exit 3',
      "printf '\\%s-\\%s\\n' x y",
      'cat%line one%line two',
      'tr a-z A-Z%hello',
      "FOO=bar sh -c 'echo $FOO'",
      'echo "it\'s"',
      "echo 'single '\"'\"' quote'",
      'test -d /nonexistent-pakyas || echo missing',
      'for i in 1 2; do echo $i; done',
      'echo $((1+2)) $HOME',
      'ls /nonexistent-pakyas-dir',
      'exec echo replaced',
      'true \\\\%not stdin',
    ];
    const crontab = `SHELL=/bin/sh\n${commands.map((c) => `* * * * * ${c}`).join('\n')}\n`;
    const out = join(dir, 'pakyas.yaml');
    const r = await runCli(['import', 'crontab', '-', '-o', out, '--bin', fake, '--project', 'p', '--timezone', 'UTC'], { input: crontab });
    expect(r.code, r.stderr).toBe(0);
    const rewritten = r.stdout.split('\n').filter((l) => l.startsWith('* '));
    expect(rewritten).toHaveLength(commands.length);
    for (const [i, c] of commands.entries()) {
      const before = await runCronLine(`* * * * * ${c}`);
      const after = await runCronLine(rewritten[i]!);
      expect(after, `${c}\n→ ${rewritten[i]}`).toEqual(before);
    }
    // Many jobs run echo: the first argument that differs tells them apart.
    expect(rewritten[0]).toBe(`* * * * * ${fake} monitor echo-a-b -- echo "a  b" 'c  d' e\\ f`);
  });

  it('reads /etc/crontab and /etc/cron.d with their user field, and names run-parts jobs by their directory', async () => {
    const r = await importCrontab(['--system', join(FIXTURES, 'etc-crontab')]);
    expect(r.code, r.stderr).toBe(0);
    const loaded = loadConfig(r.yaml);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    expect(loaded.config.jobs.map((j) => [j.name, j.schedule.kind === 'cron' ? j.schedule.cron : '', j.description])).toEqual([
      ['cron-hourly', '17 * * * *', null], ['cron-daily', '25 6 * * *', null], ['cron-weekly', '47 6 * * 7', null], ['cron-monthly', '52 6 1 * *', null],
    ]);
    expect(r.stdout).toContain(`17 *\t* * *\troot\t${PAKYAS} monitor cron-hourly -- /bin/sh -c 'cd / && run-parts --report /etc/cron.hourly'\n`);
    expect(r.stdout).toContain(`25 6\t* * *\troot\t${PAKYAS} monitor cron-daily -- /bin/sh -c 'test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }'\n`);

    const php = await importCrontab(['--system', join(FIXTURES, 'cron.d-php')]);
    const phpConfig = loadConfig(php.yaml);
    if (!phpConfig.ok) throw new Error(JSON.stringify(phpConfig.errors));
    expect(phpConfig.config.jobs).toEqual([expect.objectContaining({ name: 'sessionclean', description: 'Look for and purge old sessions every 30 minutes', schedule: { kind: 'cron', cron: '09,39 * * * *' } })]);
    expect(php.stdout).toContain(`09,39 *     * * *     root   ${PAKYAS} monitor sessionclean -- /bin/sh -c '[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi'`);
    for (const text of [r.stdout, php.stdout]) {
      for (const l of parseCrontab(text, true)) expect(l.kind, l.text).not.toBe('invalid');
    }
  });

  it('finds the same jobs in a crontab it already rewrote, and leaves it as it is', async () => {
    const first = await importCrontab([join(FIXTURES, 'crontab.txt')]);
    const second = await importCrontab(['-'], first.stdout);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const names = (yaml: string) => { const l = loadConfig(yaml); return l.ok ? l.config.jobs.map((j) => j.name) : []; };
    expect(names(second.yaml)).toEqual(names(first.yaml));
  });

  it('never overwrites a file without --force', async () => {
    const dir = workspace();
    const out = join(dir, 'pakyas.yaml');
    writeFileSync(out, 'mine\n');
    const args = ['import', 'crontab', join(FIXTURES, 'crontab.txt'), '-o', out, '--bin', PAKYAS, '--timezone', 'UTC'];
    const refused = await runCli(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`pakyas import: ${out} already exists; it was left as it is (pass --force to overwrite it, or -o OTHER_FILE)\n`);
    expect(refused.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('mine\n');
    expect((await runCli([...args, '--force'])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('backup-full:');
  });
});

describe('pakyas import at start-up', () => {
  it('loads no UI, tRPC or database code, like the other offline commands', () => {
    const dir = workspace();
    const trace = join(dir, 'modules.txt');
    spawnSync(process.execPath, ['--import', join(repoRoot, 'test', 'helpers', 'trace-register.mjs'), bin, 'import', 'crontab', join(FIXTURES, 'crontab.txt'),
      '-o', join(dir, 'pakyas.yaml'), '--bin', PAKYAS, '--timezone', 'UTC'], { env: { ...process.env, PAKYAS_TRACE_FILE: trace }, stdio: 'ignore' });
    const modules = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    expect(modules.some((m) => m.endsWith('/dist/cli/commands/import.js'))).toBe(true);
    const heavy = ['@trpc', 'ink', 'react', 'pg-boss', 'postgres', 'pglite', 'nodemailer', 'eventsource'];
    expect(modules.filter((m) => heavy.some((h) => m.includes(`/node_modules/${h}`)))).toEqual([]);
    expect(modules.filter((m) => /\/dist\/server\/(api|db)\//.test(m))).toEqual([]);
  });
});

describe.each(backends)('an imported crontab reporting to Pakyas on %s', (backend) => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer(backend); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('applies, and its rewritten lines report runs: success On Schedule, a failure Failed', async () => {
    const dir = workspace();
    const project = uniqueProject('crontab');
    const out = join(dir, 'pakyas.yaml');
    const crontab = '# Refresh the rates\n*/5 * * * * echo rates refreshed\n# Sweep the queue\n0 * * * * sh -c "echo sweeping; exit 4"\n';
    const imported = await runCli(['import', 'crontab', '-', '-o', out, '--project', project, '--timezone', 'UTC',
      '--bin', `${process.execPath} ${bin}`, '--server', server.url, '--ping-key', 'set-below'], { input: crontab });
    expect(imported.code, imported.stderr).toBe(0);
    const applied = await runCli(['apply', '-f', out], { env: { PAKYAS_SERVER: server.url, PAKYAS_TOKEN: ADMIN } });
    expect(applied.code, applied.stderr).toBe(0);
    const pingKey = /Ping key: (\S+)/.exec(applied.stdout)![1]!;
    const jobLines = imported.stdout.split('\n').filter((l) => /^[*0]/.test(l));
    const env = { PAKYAS_SERVER: server.url, PAKYAS_PING_KEY: pingKey, PAKYAS_SPOOL_DIR: join(dir, 'spool') };
    const ok = await runCronLine(jobLines[0]!, { env });
    expect(ok).toMatchObject({ status: 0, stdout: 'rates refreshed\n' });
    expect(ok.stderr).toBe(`[pakyas] Start signal sent\n[pakyas] Finish signal sent (exit: 0, ${/\(exit: 0, ([^)]*)\)/.exec(ok.stderr)![1]})\n`);
    const failed = await runCronLine(jobLines[1]!, { env });
    expect(failed).toMatchObject({ status: 4, stdout: 'sweeping\n' });
    expect(failed.stderr).not.toContain('warning');
    const client = adminClient(server);
    expect(await client.jobs.get.query({ project, job: 'echo' })).toMatchObject({ state: 'on_schedule', description: 'Refresh the rates' });
    expect(await client.jobs.get.query({ project, job: 'sh' })).toMatchObject({ state: 'failed', lastRun: { exitCode: 4 } });
  });
});
