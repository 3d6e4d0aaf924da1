// Deadline, overrun and resume checks, scheduled in Postgres with pg-boss: they survive restarts,
// fire once across replicas, and fire on time. Each job's row says when it next needs looking at
// (jobs.next_check_at, from nextCheckAt); pg-boss holds one "tick" per 100 ms of time at which
// some job is due, not one row per job: a tick judges every job due by then (dueEvents), 64 to a
// transaction, and each judged job leaves its next time and a tick for it. With 100,000 jobs a
// pg-boss row per job's wake-up (inserted, fetched and completed, each updating ~15 indexes) cost
// more than the judging; ticks are deduplicated by a singleton key, so a burst of deadlines is a
// few rows. Judging is a compare-and-set in server/core/status.ts, so a duplicated, retried or
// early tick does nothing.
import type { PgBoss } from 'pg-boss';
import type { Queryable, Transaction } from './db/port.js';

export const TICK_QUEUE = 'pakyas-ticks';
/** Ticks are this far apart at most: a deadline is judged within this of its time. */
export const TICK_MS = 100;

/** A tick: judge every job due by `at`. */
export interface TickData { at: number }

/** pg-boss's view of one of our transactions, so that checks commit or roll back with the state. */
export function bossDb(tx: Queryable) {
  return { executeSql: async (text: string, values?: unknown[]) => ({ rows: await tx.query(text, values ?? []) }) };
}

/**
 * Wakes the worker at the exact time a check is due. pg-boss polls no faster than every 0.5 s, so
 * without this a deadline would be judged up to a poll late; with it, within milliseconds. One
 * timer for the earliest pending time keeps this cheap with many thousands of checks.
 */
export class Waker {
  private times: number[] = []; // a min-heap
  private readonly pending = new Set<number>(); // what the heap holds, once each
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private stopped = false;

  constructor(private readonly wake: () => void, private readonly maxPending = 200_000) {}

  at(time: number): void {
    if (this.stopped || this.pending.has(time)) return;
    if (this.times.length >= this.maxPending) return; // polling still finds it
    push(this.times, time);
    this.pending.add(time);
    if (time < this.armedFor) this.arm();
  }

  /** Whether a committed tick at `time` is still to come (the waker is told of ticks after commit). */
  has(time: number): boolean {
    return this.pending.has(time);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.times[0];
    if (next === undefined) { this.armedFor = Infinity; this.timer = null; return; }
    this.armedFor = next;
    // A few ms late rather than early: pg-boss compares start_after with the database's clock.
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - Date.now() + 5));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    const now = Date.now();
    let due = false;
    while (this.times.length > 0 && this.times[0]! <= now) { this.pending.delete(this.times[0]!); pop(this.times); due = true; }
    if (due) this.wake();
    this.arm();
  }
}

function push(heap: number[], v: number): void {
  heap.push(v);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (heap[p]! <= heap[i]!) break;
    [heap[p], heap[i]] = [heap[i]!, heap[p]!];
    i = p;
  }
}

function pop(heap: number[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && heap[l]! < heap[m]!) m = l;
    if (r < heap.length && heap[r]! < heap[m]!) m = r;
    if (m === i) break;
    [heap[m], heap[i]] = [heap[i]!, heap[m]!];
    i = m;
  }
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
  const soon = Date.now() + 5000;
  for (const at of times) {
    const t = tickJob(at);
    if (queued?.has(t.data.at) && t.data.at > soon) continue;
    ticks.set(t.data.at, t);
  }
  if (ticks.size === 0) return [];
  await boss.insert(queue, [...ticks.values()], { db: bossDb(tx) });
  return [...ticks.keys()];
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
