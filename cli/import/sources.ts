// Where importers read from: a file, stdin, the user's crontab, or Healthchecks' API.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { CliError } from '../command.js';

export async function readSource(file: string, what: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`pakyas import: cannot read ${what} ${file} (${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message})`);
  }
}

/** The invoking user's crontab, as `crontab -l` prints it. */
export function userCrontab(): string {
  const r = spawnSync('crontab', ['-l'], { encoding: 'utf8' });
  if (r.error) throw new CliError('pakyas import crontab: no crontab command here to read your crontab; give a FILE, or - for stdin');
  if (r.status !== 0) throw new CliError(`pakyas import crontab: crontab -l failed: ${(r.stderr || '').trim() || `exit ${r.status}`}; give a FILE, or - for stdin`);
  return r.stdout;
}

/** Healthchecks' API: GET {site}/api/v3/{what}/ with the API key. */
export async function fetchHealthchecks(site: string, apiKey: string, what: 'checks' | 'channels'): Promise<{ status: number; data: unknown }> {
  const root = site.replace(/\/+$/, '').replace(/\/api\/v\d+(?:\/checks)?$/, '');
  const url = `${root}/api/v3/${what}/`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { 'X-Api-Key': apiKey, accept: 'application/json' }, signal: AbortSignal.timeout(30_000), redirect: 'error' });
  } catch (err) {
    throw new CliError(`pakyas import healthchecks: cannot reach ${url} (${(err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message})`);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) return { status: res.status, data: null };
  if (!res.ok) throw new CliError(`pakyas import healthchecks: ${url} answered HTTP ${res.status}`);
  try {
    return { status: res.status, data: JSON.parse(text) };
  } catch {
    throw new CliError(`pakyas import healthchecks: ${url} did not answer JSON; is it a Healthchecks site?`);
  }
}

/** The absolute path of `pakyas` on PATH (cron's PATH is short: /usr/bin:/bin), or null. */
export function pakyasOnPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir.startsWith('/')) continue;
    try {
      accessSync(join(dir, 'pakyas'), constants.X_OK);
      return join(dir, 'pakyas');
    } catch {
      // not here
    }
  }
  return null;
}
