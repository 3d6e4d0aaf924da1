// Where the embedded database lives when no --data-dir is given: the user's state directory
// (XDG: $XDG_STATE_HOME, else ~/.local/state), never the directory the server was started in,
// which is often a repository (SPEC §6). The same pakyas/ directory holds the CLI's spool, locks
// and ping-key cache, so the database gets a folder of its own inside it.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where earlier versions kept it: ./.pakyas in the working directory. */
const LEGACY = '.pakyas';

export interface DataDir {
  dir: string;
  /** Whether no database is there yet: this start creates it. */
  fresh: boolean;
  /** Found in ./.pakyas, where an earlier version put it: kept there, so an upgrade loses nothing. */
  legacy: boolean;
}

export function stateDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'pakyas');
}

export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  return join(stateDir(env), 'db');
}

const hasDatabase = (dir: string) => existsSync(join(dir, 'PG_VERSION'));

/** The data directory for `pakyas server`: --data-dir when given, else the state directory's. */
export function chooseDataDir(given: string | undefined, env: Record<string, string | undefined> = process.env, cwd = process.cwd()): DataDir {
  if (given !== undefined) {
    const dir = resolve(cwd, given);
    return { dir, fresh: !hasDatabase(dir), legacy: false };
  }
  const dir = defaultDataDir(env);
  const legacy = resolve(cwd, LEGACY);
  if (!hasDatabase(dir) && hasDatabase(legacy)) return { dir: legacy, fresh: false, legacy: true };
  return { dir, fresh: !hasDatabase(dir), legacy: false };
}

/**
 * Whether an embedded database looks open: PGlite keeps postmaster.pid while it runs and removes
 * it when it closes (a server stopped with SIGKILL leaves it behind).
 */
export function looksInUse(dir: string): boolean {
  return existsSync(join(dir, 'postmaster.pid'));
}

export function hasEmbeddedDatabase(dir: string): boolean {
  return hasDatabase(dir);
}
