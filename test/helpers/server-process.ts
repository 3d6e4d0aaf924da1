// `pakyas server` as a separate process, as an operator runs it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, repoRoot } from './cli.js';
import { DATABASE_URL, newSchema } from './server.js';

const dataDirs: string[] = [];

/**
 * Where a server process keeps its data: the test Postgres (a fresh schema; cleanUp drops it) when
 * there is one, else an embedded database in a fresh directory (removeDataDirs removes it).
 */
export function processStorage(): { env: Record<string, string>; args: string[] } {
  if (DATABASE_URL) return { env: { DATABASE_URL, PAKYAS_DB_SCHEMA: newSchema() }, args: [] };
  const dir = mkdtempSync(join(tmpdir(), 'pakyas-server-'));
  dataDirs.push(dir);
  return { env: { DATABASE_URL: '' }, args: ['--data-dir', dir] };
}

export function removeDataDirs(): void {
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface ServerProcess { url: string; child: ChildProcess; output: () => string; stop(signal?: NodeJS.Signals): Promise<number | null> }

/**
 * Alert targets on loopback are allowed (test receivers listen there) unless `env` says otherwise.
 * `command` runs something other than the built CLI (an installed one, the single binary), with
 * exactly `env` as its environment.
 */
export function spawnServer(env: Record<string, string>, args: string[] = [], command?: string, cwd = repoRoot): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const [file, argv, baseEnv] = command ? [command, ['server', '--port', '0', ...args], {}] : [process.execPath, [bin, 'server', '--port', '0', ...args], process.env];
    const child = spawn(file, argv, { cwd, env: { ...baseEnv, NO_COLOR: '1', PAKYAS_ALERT_ALLOW_PRIVATE: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start:\n${out}`)); }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!, child, output: () => out,
          stop: (signal = 'SIGTERM') => new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill(signal);
          }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
  });
}
