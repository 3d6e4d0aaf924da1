// Runs crontab lines the way cron does, for tests that compare what a line does before and after
// `pakyas import crontab` rewrites it: the time fields (and user) are dropped, the first % not
// written \% ends the command, the rest is its stdin with every other % a newline, and the
// command runs under SHELL -c. Also Debian's own `crontab -n` syntax check, when the test
// machine has that binary (PAKYAS_TEST_DEBIAN_CRONTAB).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CronRun { stdout: string; stderr: string; status: number | null }

export function runCronLine(line: string, o: { shell?: string; system?: boolean; env?: Record<string, string> } = {}): Promise<CronRun> {
  const fields = line.startsWith('@') ? 1 : 5;
  const words = line.trimStart().split(/(\s+)/);
  // Words and the spaces between them: skip the time fields (and the user) and the spaces after.
  const rest = words.slice((fields + (o.system ? 1 : 0)) * 2).join('');
  let command = '';
  let stdin: string | null = null;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '\\' && rest[i + 1] === '%') { command += '%'; i++; continue; }
    if (ch === '\\') { command += ch + (rest[i + 1] ?? ''); i++; continue; }
    if (ch === '%') { stdin = rest.slice(i + 1).replace(/%/g, '\n'); break; }
    command += ch;
  }
  // Not spawnSync: a test server in this process must go on answering while the line runs.
  return new Promise((resolve, reject) => {
    const child = spawn(o.shell ?? '/bin/sh', ['-c', command], { env: { ...process.env, ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ stdout, stderr, status }); });
    // A command that never reads its stdin may be gone before it is written.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
  });
}

/**
 * Debian cron's own check of a user crontab (`crontab -n FILE`, a dry run), or null when the test
 * machine cannot run it. It runs as root in a private mount namespace, with a scratch /var/spool
 * and a `crontab` group, so that nothing on the machine is touched.
 */
export function debianCrontabCheck(text: string): { ok: boolean; output: string } | null {
  const crontab = process.env.PAKYAS_TEST_DEBIAN_CRONTAB;
  if (!crontab || !existsSync(crontab) || process.getuid?.() !== 0) return null;
  const dir = mkdtempSync(join(tmpdir(), 'pakyas-debian-cron-'));
  const file = join(dir, 'crontab');
  writeFileSync(file, text);
  const group = join(dir, 'group');
  const groups = readFileSync('/etc/group', 'utf8');
  writeFileSync(group, /^crontab:/m.test(groups) ? groups : `${groups.trimEnd()}\ncrontab:x:${60000 + (process.pid % 1000)}:\n`);
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs tmpfs /var/spool && mount --bind "$1" /etc/group && exec "$2" -n "$3"', 'sh', group, crontab, file], { encoding: 'utf8' });
  if (r.error) return null;
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
