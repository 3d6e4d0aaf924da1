// The write path. Every change to a job's judged state (a signal, a tick, a pause or resume, an
// apply) is made the same way: lock the jobs' rows, run step() for each event, then persistSteps
// writes the states, signals, timelines and notices in one statement, the alerts owed and the
// wake-ups that moved earlier, all in the caller's transaction. Timers, the delivery worker and
// metrics hear of it after commit (transact), so a rolled-back write wakes nobody.
import type { PgBoss } from 'pg-boss';
import type { JobSpec } from '../schema/types.js';
import { recordAlerts } from './alerts.js';
import { isQueued, nextWake, queueWakes } from './ticks.js';
import { dueEvents, nextCheckAt, type AlertIntent, type JobEvent, type Step } from './core/state.js';
import { mergeSteps, step } from './core/status.js';
import { lockDueJobs, lockJobs, saveSteps, type JobRow, type SavedStep } from './db/jobs.js';
import type { JobCache } from './job-cache.js';
import { changePayload, CHANGES_CHANNEL } from './db/notify.js';
import { transact, type Database, type Queryable, type Transaction } from './db/port.js';
import type { Metrics } from './metrics.js';
import type { Waker } from './waker.js';

export interface JudgeDeps {
  db: Database;
  boss: PgBoss;
  /** Wakes the tick worker at the time of a wake-up. */
  waker: Waker;
  /** Wakes the alert delivery worker. */
  alertWaker: Waker;
  /** Counts transitions and alerts for /metrics. */
  metrics: Pick<Metrics, 'countStep'>;
  /** The jobs as this process last wrote or read them (server/job-cache.ts). */
  jobs: JobCache;
}

/** One job's judgements in a transaction: the steps in order, and the signals that caused them. */
export interface Judged {
  /** The job as locked (or, unlocked, as cached); `next_check_at` is the wake-up still pending. */
  job: JobRow;
  /** The job's spec after these steps (a config step changes it). */
  spec: JobSpec;
  /** The steps in order, each from the state the one before left. */
  steps: Step[];
  /** The signals behind the steps, as rows of the signals table, in order. */
  signals: Array<Record<string, unknown>>;
  /** What the job's row holds for its wake-up now. */
  stored: number | null;
}

/** What judged jobs write: rows, the alerts owed and the wake-ups to queue. */
export interface Writes {
  saves: SavedStep[];
  owing: Array<{ job: JobRow; alerts: AlertIntent[] }>;
  wakes: Array<{ jobId: number; at: number }>;
  /** Each judged job as it will be once written, to keep in the cache after commit. */
  after: Map<number, { judged: Judged; row: JobRow }>;
}

/**
 * What `judged` writes. `locked` says the transaction holds their rows; otherwise each row is
 * written only if it is still as it was read (SavedStep.expected).
 */
export function planWrites(judged: Judged[], locked: boolean): Writes {
  const writes: Writes = { saves: [], owing: [], wakes: [], after: new Map() };
  for (const j of judged) {
    const { job, spec, steps, signals, stored } = j;
    const merged = mergeSteps(job.state, steps);
    const wake = nextWake(nextCheckAt(spec, merged.state), job.next_check_at);
    const unchanged = signals.length === 0 && merged.timeline.length === 0 && merged.alerts.length === 0 && wake.next === stored
      && JSON.stringify(merged.state) === JSON.stringify(job.state) && spec === job.spec;
    if (unchanged) {
      writes.after.set(job.id, { judged: j, row: { ...job, next_check_at: stored } });
      continue;
    }
    writes.saves.push({
      jobId: job.id, spec: spec === job.spec ? null : spec, state: merged.state, timeline: merged.timeline, signals, nextCheckAt: wake.next,
      expected: locked ? null : { version: job.version, pingKey: job.ping_key, name: job.name },
      notice: changePayload({ project: job.project, job: job.name, status: merged.state.status }),
    });
    writes.after.set(job.id, { judged: j, row: { ...job, spec, state: merged.state, next_check_at: wake.next } });
    if (merged.alerts.length > 0) writes.owing.push({ job, alerts: merged.alerts });
    if (wake.schedule) writes.wakes.push({ jobId: job.id, at: wake.next! });
  }
  return writes;
}

/** Whether writing these needs more than their one statement: alerts to record, or ticks to queue. */
export function needsTransaction(deps: Pick<JudgeDeps, 'waker'>, writes: Writes): boolean {
  return writes.owing.length > 0 || writes.wakes.some((w) => !isQueued(deps.waker, w.at));
}

/**
 * Writes planned results inside `tx`: states, signals, timelines and notices in one statement,
 * then the alerts owed and the wake-ups to schedule, for the rows written. Timers, workers,
 * metrics and the cache are told after commit. Returns the ids of the jobs written or found
 * unchanged; a job missing from it changed since it was read, and nothing of it was written.
 */
export async function writePlanned(deps: JudgeDeps, tx: Transaction, writes: Writes): Promise<Set<number>> {
  const written = new Map((await saveSteps(tx, CHANGES_CHANNEL, writes.saves)).map((w) => [w.id, w]));
  const saved = new Set(writes.saves.map((s) => s.jobId));
  // Done: written, or left as it was (nothing to write); a job saved but not written changed since it was read.
  const done = new Set([...writes.after.keys()].filter((id) => written.has(id) || !saved.has(id)));
  const owing = writes.owing.filter((o) => done.has(o.job.id));
  if (owing.length > 0) await recordAlerts(deps, tx, owing);
  await queueWakes(deps, tx, writes.wakes.filter((w) => done.has(w.jobId)).map((w) => w.at));
  tx.afterCommit(() => {
    for (const [id, { judged, row }] of writes.after) {
      if (!done.has(id)) { deps.jobs.changed(judged.job.ping_key, judged.job.name, judged.job.version); continue; }
      const w = written.get(id);
      deps.jobs.put(w ? { ...row, version: w.version, updated_at: w.updated_at } : row);
      for (const r of judged.steps) deps.metrics.countStep(r);
    }
  });
  return done;
}

/**
 * Writes the results of jobs judged from rows `tx` holds locked: states, signals, timelines and
 * notices in one statement, then the alerts owed and the wake-ups to schedule.
 */
export async function persistSteps(deps: JudgeDeps, tx: Transaction, judged: Judged[]): Promise<void> {
  await writePlanned(deps, tx, planWrites(judged, true));
}

/** Judges one event for one job in its own transaction; null when the job no longer exists. */
export async function judge(deps: JudgeDeps, jobId: number, event: JobEvent, now = Date.now()): Promise<Step | null> {
  const judged = await judgeJobs(deps, (tx) => lockJobs(tx, [jobId]), () => ({ events: [event], consume: false }), now);
  return judged.get(jobId) ?? null;
}

/**
 * A tick: judges up to `limit` jobs due by `now` in one transaction — for each, everything due
 * (a deadline, overruns, a pause's end) — and leaves each one's next wake-up. Returns how late each
 * judged job was looked at, in ms; fewer than `limit` means no more are due.
 */
export async function wakeDue(deps: JudgeDeps, now: number, limit: number): Promise<number[]> {
  const lags: number[] = [];
  await judgeJobs(deps, (tx) => lockDueJobs(tx, now, limit), (job) => {
    lags.push(now - (job.next_check_at ?? now));
    return { events: dueEvents(job.spec, job.state, now), consume: true };
  }, now);
  return lags;
}

/**
 * Locks jobs, judges each with the events `plan` gives, and writes the results in one
 * transaction. `consume` says the job's pending wake-up is the one being served now. Returns each
 * locked job's judgement by id.
 */
async function judgeJobs(
  deps: JudgeDeps, lock: (tx: Queryable) => Promise<JobRow[]>,
  plan: (job: JobRow) => { events: JobEvent[]; consume: boolean }, now: number,
): Promise<Map<number, Step>> {
  return transact(deps.db, async (tx) => {
    const judged: Judged[] = [];
    const merged = new Map<number, Step>();
    for (const row of await lock(tx)) {
      const { events, consume } = plan(row);
      const job = consume ? { ...row, next_check_at: null } : row;
      const steps: Step[] = [];
      let state = job.state;
      for (const event of events) {
        steps.push(step(job.spec, state, event, now));
        state = steps.at(-1)!.state;
      }
      judged.push({ job, spec: job.spec, steps, signals: [], stored: row.next_check_at });
      merged.set(row.id, mergeSteps(job.state, steps));
    }
    await persistSteps(deps, tx, judged);
    return merged;
  });
}
