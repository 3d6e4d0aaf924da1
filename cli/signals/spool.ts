// Signals that could not be delivered wait on disk, and the next pakyas command that reaches the
// server sends them, with the time they really happened (the server judges them at that time).
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MAX_REPLAY_AGE_MS } from '../../schema/vocabulary.js';
import { sendSignal, type Signal, type SignalTarget } from './http.js';
import { cachedKey } from './ping-key.js';

export interface SpoolEntry {
  version: 1;
  target: SignalTarget;
  signal: Signal;
  spooledAt: number;
  /** A signal spooled before its ping key was known (only a token was given): the key cache entry it waits for. */
  keyCacheId?: string;
}

export function spoolDir(env = process.env): string {
  if (env.PAKYAS_SPOOL_DIR) return env.PAKYAS_SPOOL_DIR;
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'pakyas', 'spool');
}

export async function spool(target: SignalTarget, signal: Signal, dir = spoolDir(), keyCacheId?: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const name = `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.json`;
  const entry: SpoolEntry = { version: 1, target, signal, spooledAt: Date.now(), ...(keyCacheId ? { keyCacheId } : {}) };
  // Written under a temporary name and renamed, so a reader never sees half a file.
  await writeFile(join(dir, `.${name}.tmp`), JSON.stringify(entry), { mode: 0o600 });
  await rename(join(dir, `.${name}.tmp`), join(dir, name));
  return join(dir, name);
}

export interface ReplayReport { sent: number; dropped: string[]; left: number }

/**
 * Sends what is spooled, oldest first, within `budgetMs`. Stops at the first server it cannot
 * reach (the rest stay for next time). Each file is claimed by renaming it, so two commands
 * running at once never send the same signal twice.
 */
export async function replaySpool(budgetMs: number, dir = spoolDir(), now = Date.now()): Promise<ReplayReport> {
  const report: ReplayReport = { sent: 0, dropped: [], left: 0 };
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort();
  } catch {
    return report;
  }
  const deadline = now + budgetMs;
  const unreachable = new Set<string>();
  for (const file of files) {
    const path = join(dir, file);
    if (Date.now() > deadline) { report.left++; continue; }
    const claimed = `${path}.sending-${process.pid}`;
    try { await rename(path, claimed); } catch { continue; } // another command took it
    let entry: SpoolEntry;
    try {
      entry = JSON.parse(await readFile(claimed, 'utf8')) as SpoolEntry;
    } catch {
      await unlink(claimed).catch(() => undefined);
      report.dropped.push(`${file}: unreadable`);
      continue;
    }
    const at = entry.signal.at ?? entry.spooledAt;
    // The server judges replayed signals up to 24 h old; older ones are dropped with a warning.
    if (now - at > MAX_REPLAY_AGE_MS) {
      await unlink(claimed).catch(() => undefined);
      report.dropped.push(`${entry.signal.kind} of ${entry.signal.job} from ${new Date(at).toISOString()}: older than 24 hours`);
      continue;
    }
    if (unreachable.has(entry.target.server)) { await rename(claimed, path).catch(() => undefined); report.left++; continue; }
    let target = entry.target;
    if (!target.pingKey && entry.keyCacheId) {
      // Its key comes from the cache, which a later run with the same token fills.
      const key = await cachedKey(entry.keyCacheId);
      if (!key) { await rename(claimed, path).catch(() => undefined); report.left++; continue; }
      target = { server: target.server, pingKey: key.pingKey };
    }
    const r = await sendSignal(target, entry.signal, Math.max(500, Math.min(3000, deadline - Date.now())));
    if (r.ok) {
      await unlink(claimed).catch(() => undefined);
      report.sent++;
    } else if (!r.retryable) {
      await unlink(claimed).catch(() => undefined);
      report.dropped.push(`${entry.signal.kind} of ${entry.signal.job}: the server refused it (${r.status}: ${r.text.split('\n')[0]})`);
    } else {
      unreachable.add(entry.target.server);
      await rename(claimed, path).catch(() => undefined);
      report.left++;
    }
  }
  return report;
}
