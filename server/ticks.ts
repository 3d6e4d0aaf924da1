// Ticks: deadline, overrun and resume checks, scheduled in Postgres with pg-boss (and, on their own
// queue, alert deliveries): they survive restarts, fire once across replicas, and fire on time. Each job's row says when it next needs looking at
// (jobs.next_check_at, from nextCheckAt); pg-boss holds one "tick" per 100 ms of time at which
// some job is due, not one row per job: a tick judges every job due by then (dueEvents), 64 to a
// transaction, and each judged job leaves its next time and a tick for it. With 100,000 jobs a
// pg-boss row per job's wake-up (inserted, fetched and completed, each updating ~15 indexes) cost
// more than the judging; ticks are deduplicated by a singleton key, so a burst of deadlines is a
// few rows. Judging is a compare-and-set in server/core/status.ts, so a duplicated, retried or
// early tick does nothing.
//
// This module sits below the write path (judge.ts queues ticks here), so the worker is handed the
// function that judges what is due instead of importing it.
import type { PgBoss } from 'pg-boss';
import { anyOverdueWakeup, futureWakeups } from './db/jobs.js';
import type { Database, Queryable, Transaction } from './db/port.js';
import { Waker } from './waker.js';

export const TICK_QUEUE = 'pakyas-ticks';
/** Ticks are this far apart at most: a deadline is judged within this of its time. */
export const TICK_MS = 100;

/** A tick: judge every job due by `at`. */
export interface TickData { at: number }

/** pg-boss's view of one of our transactions, so that checks commit or roll back with the state. */
export function bossDb(tx: Queryable) {
  return { executeSql: async (text: string, values?: unknown[]) => ({ rows: await tx.query(text, values ?? []) }) };
}

/** The tick that covers a wake-up at `at`: the next 100 ms boundary, one pg-boss row per boundary. */
export function tickJob(at: number) {
  const tick = Math.ceil(at / TICK_MS) * TICK_MS;
  return { data: { at: tick } satisfies TickData, startAfter: new Date(tick), singletonKey: String(tick) };
}

/** pg-boss settings of a queue of ticks (checks' or deliveries'). */
export const TICK_QUEUE_OPTIONS = { policy: 'short', retryLimit: 10, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 30 } as const;

/**
 * Queues the ticks for wake-ups at `times` on `queue` (checks by default, or alert deliveries),
 * inside the caller's transaction, except those `queued` knows are queued. Returns the times of
 * the ticks queued, to arm timers after commit.
 */
export async function scheduleWakes(
  boss: PgBoss, tx: Queryable, times: number[], { queue = TICK_QUEUE, queued }: { queue?: string; queued?: Waker } = {},
): Promise<number[]> {
  const ticks = new Map<number, ReturnType<typeof tickJob>>();
  // A tick this process queued and committed, still more than a few seconds away, is queued
  // already: most starts move a job's wake-up (its overrun check) to a 100 ms boundary some other
  // job's start has just taken, and skipping the insert saves a statement per signal batch. A
  // tick about to fire is queued again, as it may run before this transaction commits.
  for (const at of times) {
    if (queued && isQueued(queued, at)) continue;
    const t = tickJob(at);
    ticks.set(t.data.at, t);
  }
  if (ticks.size === 0) return [];
  // In time order: two transactions inserting the same ticks (a singleton key each) wait for each
  // other's uncommitted rows, and in opposite orders they deadlock; Postgres sees that only after
  // deadlock_timeout (1 s), and the tick is retried a second later (measured: missing alerts at
  // 1.0–1.2 s, 15 deadlocks in the logs of one benchmark series). In one order they only queue.
  const sorted = [...ticks.values()].sort((a, b) => a.data.at - b.data.at);
  await boss.insert(queue, sorted, { db: bossDb(tx) });
  return sorted.map((t) => t.data.at);
}

/** Whether the tick for a wake-up at `at` is queued already, by this process, and far enough away to stay so. */
export function isQueued(queued: Waker, at: number): boolean {
  const tick = tickJob(at).data.at;
  return queued.has(tick) && tick > Date.now() + 5000;
}

/**
 * Queues the ticks for wake-ups at `times` in the transaction, and arms this process's timer for
 * them once it commits (an armed timer whose tick is not committed yet would wake for nothing).
 */
export async function queueWakes(deps: { boss: PgBoss; waker: Waker }, tx: Transaction, times: number[]): Promise<void> {
  const ticks = await scheduleWakes(deps.boss, tx, times, { queued: deps.waker });
  if (ticks.length > 0) tx.afterCommit(() => { for (const at of ticks) deps.waker.at(at); });
}

/** The wake-up to keep: a new one only when the state needs looking at before the pending one. */
export function nextWake(wanted: number | null, pending: number | null): { schedule: boolean; next: number | null } {
  const schedule = wanted !== null && (pending === null || wanted < pending);
  return { schedule, next: schedule ? wanted : pending };
}

/** Judges up to `limit` jobs due by `now` in one transaction; how late each was looked at, in ms. */
export type JudgeDue = (now: number, limit: number) => Promise<number[]>;

export interface TickWorkerOptions {
  /** How often the worker polls when no timer woke it, in seconds. */
  pollingIntervalSeconds: number;
  /** The migrations this start applied (a database from before ticks needs ticks for its wake-ups). */
  migrated: readonly string[];
  /** Told how late each judged job was looked at, in ms (/metrics). */
  onLag: (ms: number) => void;
}

/** Jobs judged in one transaction by a tick; rounds of them one tick runs at most. */
const JOBS_PER_TRANSACTION = 64;
const ROUNDS_PER_TICK = 100;

/** This process's tick worker, and the timer that wakes it at a tick's time. */
export class TickWorker {
  readonly waker: Waker;
  private workerId = '';

  constructor(private readonly boss: PgBoss) {
    this.waker = new Waker(() => { if (this.workerId) boss.notifyWorker(this.workerId); });
  }

  async start(db: Database, judgeDue: JudgeDue, options: TickWorkerOptions): Promise<void> {
    const { boss, waker } = this;
    // Policy 'short': one queued tick per time (singleton key), however many jobs are due then. A
    // tick takes milliseconds to seconds: one still active after 30 s belongs to a worker that died,
    // and pg-boss hands it to another.
    await boss.createQueue(TICK_QUEUE, TICK_QUEUE_OPTIONS);
    // A tick judges every job due by its time, 64 to a transaction, two transactions side by side
    // (skip locked: replicas share the work). It stops after 100 rounds so one tick never runs
    // forever; any job still due is taken by the next tick, which every judged job schedules.
    const drain = async (now: number) => {
      for (let round = 0; round < ROUNDS_PER_TICK; round++) {
        const lags = await judgeDue(now, JOBS_PER_TRANSACTION);
        for (const lag of lags) options.onLag(lag);
        if (lags.length < JOBS_PER_TRANSACTION) return;
      }
    };
    this.workerId = await boss.work<TickData>(TICK_QUEUE, { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: options.pollingIntervalSeconds }, async (ticks) => {
      // pg-boss hands a tick over by the database's clock. Where this host's clock is behind it, the
      // tick arrives before its time here; judged by this clock, the jobs due at the tick would be
      // left unjudged with no tick to come for them (a missing alert never sent). The tick's time is
      // when the database says it is: judge what is due by then.
      const now = Math.max(Date.now(), ...ticks.map((t) => t.data?.at ?? 0));
      await Promise.all([drain(now), drain(now)]);
    });

    // After a crash, a tick may be held by a worker that no longer exists (pg-boss hands it on after
    // 30 s): if any job is overdue, queue a tick now, which judges every due job.
    if (await anyOverdueWakeup(db, 5000)) await scheduleWakes(boss, db, [Date.now()]);
    // A database from before ticks (migration 004) had one pg-boss row per wake-up, which nothing
    // reads now: queue the ticks for its future wake-ups once, when upgrading.
    if (options.migrated.includes('004_due_index.sql')) {
      const times = await futureWakeups(db);
      for (let i = 0; i < times.length; i += 1000) for (const at of await scheduleWakes(boss, db, times.slice(i, i + 1000))) waker.at(at);
    }
  }

  stop(): void {
    this.waker.stop();
  }
}
