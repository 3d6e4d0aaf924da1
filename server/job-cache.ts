// The jobs this process wrote or read last, as it left them, each with the row version Postgres
// gave it (the row's xmin). A signal batch whose jobs are all here is judged from these copies and
// written in one statement that writes only rows still at that version and still reached by that
// ping key and name (server/db/jobs.ts saveSteps); a row anyone else changed since (a replica, a
// tick of another process, an apply, a deleted job, a new ping key) is not written, and its signals
// go the locked way. So a copy can be stale but never wrong: it saves the lock statement, its
// transaction and the parsing of specs and states, never a check.
import type { JobRow } from './db/jobs.js';

/** How many jobs are kept: the ones signalled most recently stay, the rest are read when needed. */
const DEFAULT_SIZE = 20_000;

export class JobCache {
  private readonly byKey = new Map<string, JobRow>();

  constructor(private readonly size = DEFAULT_SIZE) {}

  get(pingKey: string, name: string): JobRow | undefined {
    return this.byKey.get(cacheKey(pingKey, name));
  }

  /** Keeps a job as written or read by a committed transaction. */
  put(row: JobRow): void {
    const key = cacheKey(row.ping_key, row.name);
    // Re-inserted so that the Map's order is the order of use, and the oldest go first.
    this.byKey.delete(key);
    this.byKey.set(key, row);
    if (this.byKey.size > this.size) this.byKey.delete(this.byKey.keys().next().value!);
  }

  forget(pingKey: string, name: string): void {
    this.byKey.delete(cacheKey(pingKey, name));
  }
}

function cacheKey(pingKey: string, name: string): string {
  return `${pingKey}/${name}`;
}
