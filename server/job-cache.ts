// The jobs this process wrote or read last, as it left them, each with the row version Postgres
// gave it (the row's xmin). A signal batch whose jobs are all here is judged from these copies and
// written in one statement that writes only rows still at that version and still reached by that
// ping key and name (server/db/jobs.ts saveSteps); a row anyone else changed since (a replica, a
// tick of another process, an apply, a deleted job, a new ping key) is not written, and its signals
// go the locked way. So a copy can be stale but never wrong: it saves the lock statement, its
// transaction and the parsing of specs and states, never a check.
//
// A job another process writes too (replicas behind a load balancer that spreads one job's signals
// over them) would make every copy stale and every write from it a wasted attempt: a job found
// changed is not kept for a while, and its signals take the locked way at once.
import type { JobRow } from './db/jobs.js';

/** How many jobs are kept: the ones signalled most recently stay, the rest are read when needed. */
const DEFAULT_SIZE = 20_000;
/** How long a job found changed by someone else is not kept. */
const CONTENDED_MS = 60_000;

export class JobCache {
  private readonly byKey = new Map<string, JobRow>();
  /** Jobs found changed by another process, and until when they are not kept. */
  private readonly contended = new Map<string, number>();

  constructor(private readonly size = DEFAULT_SIZE, private readonly clock: () => number = Date.now) {}

  get(pingKey: string, name: string): JobRow | undefined {
    return this.byKey.get(jobKey(pingKey, name));
  }

  /** Keeps a job as written or read by a committed transaction, unless it was found contended lately. */
  put(row: JobRow): void {
    const key = jobKey(row.ping_key, row.name);
    const until = this.contended.get(key);
    if (until !== undefined) {
      if (until > this.clock()) return;
      this.contended.delete(key);
    }
    // Re-inserted so that the Map's order is the order of use, and the oldest go first.
    this.byKey.delete(key);
    this.byKey.set(key, row);
    if (this.byKey.size > this.size) this.byKey.delete(this.byKey.keys().next().value!);
  }

  /**
   * A write judged from the copy at `version` found the row changed. When this process has kept a
   * newer copy since (its other batch in flight wrote the job), that one stands; otherwise another
   * process changed the job, and it is dropped and kept out for a while.
   */
  changed(pingKey: string, name: string, version: string): void {
    const key = jobKey(pingKey, name);
    const kept = this.byKey.get(key);
    if (kept !== undefined && kept.version !== version) return;
    this.byKey.delete(key);
    this.contended.delete(key);
    this.contended.set(key, this.clock() + CONTENDED_MS);
    if (this.contended.size > this.size) this.contended.delete(this.contended.keys().next().value!);
  }
}

/** How a signal names its job: the ping key and the job's name (one string, for maps). */
export function jobKey(pingKey: string, name: string): string {
  return `${pingKey}/${name}`;
}
