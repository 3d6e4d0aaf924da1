// The IO shell around step(): lock the job's row, judge, and write everything the step produced
// in the same transaction: the state, the timeline, the alerts owed, the checks to schedule, and a
// NOTIFY for live views. Checks wake the worker after the transaction commits.
import type { PgBoss } from 'pg-boss';
import type { JobSpec } from '../schema/types.js';
import { nextWake, scheduleWakes, type Waker } from './checks.js';
import { dueEvents, nextCheckAt, type AlertIntent, type JobEvent, type JobState, type Step } from './core/state.js';
import { mergeSteps, step } from './core/status.js';
import { lockDueJobs, lockJobs, saveSteps, type JobRow, type SavedStep } from './db/jobs.js';
import { changePayload, CHANGES_CHANNEL } from './db/notify.js';
import type { Database, Queryable } from './db/port.js';

export interface JudgeDeps {
  db: Database;
  boss: PgBoss;
  waker: Waker;
  /** Wakes the alert delivery worker. */
  alertWaker: Waker;
  /** Writes the alerts judged jobs owe, in their transaction (server/alerts.ts); returns deliveries queued. */
  recordAlerts: (tx: Queryable, owed: Array<{ job: JobRow; alerts: AlertIntent[] }>) => Promise<number>;
  /** Counts transitions for /metrics. */
  onStep?: (job: JobRow, before: JobState, result: Step) => void;
}

/** What a transaction must do once it has committed. */
export type AfterCommit = Array<() => void>;

/** One job's judgements in a transaction: the steps in order, and the signals that caused them. */
export interface Judged {
  /** The job as locked; `next_check_at` is the wake-up still pending. */
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

/**
 * Writes the results of the judged jobs inside `tx`: states, signals, timelines and notices in one
 * statement, then the alerts owed and the wake-ups to schedule. Timers, workers and metrics are
 * told after commit, through `after`.
 */
export async function persistSteps(deps: JudgeDeps, tx: Queryable, judged: Judged[], after: AfterCommit): Promise<void> {
  const saves: SavedStep[] = [];
  const wakes: number[] = [];
  const owing: Array<{ job: JobRow; alerts: AlertIntent[] }> = [];
  for (const { job, spec, steps, signals, stored } of judged) {
    const merged = mergeSteps(job.state, steps);
    const wake = nextWake(nextCheckAt(spec, merged.state), job.next_check_at);
    const unchanged = signals.length === 0 && merged.timeline.length === 0 && merged.alerts.length === 0 && wake.next === stored
      && JSON.stringify(merged.state) === JSON.stringify(job.state) && spec === job.spec;
    if (unchanged) continue;
    saves.push({
      jobId: job.id, spec: spec === job.spec ? null : spec, state: merged.state, timeline: merged.timeline, signals, nextCheckAt: wake.next,
      notice: changePayload({ project: job.project, job: job.name, status: merged.state.status }),
    });
    if (merged.alerts.length > 0) owing.push({ job, alerts: merged.alerts });
    if (wake.schedule) wakes.push(wake.next!);
  }
  await saveSteps(tx, CHANGES_CHANNEL, saves);
  const queued = owing.length > 0 ? await deps.recordAlerts(tx, owing) : 0;
  const wakeTimes = await scheduleWakes(deps.boss, tx, wakes, { queued: deps.waker });
  after.push(() => {
    for (const at of wakeTimes) deps.waker.at(at);
    if (queued > 0) deps.alertWaker.at(Date.now());
    for (const { job, steps } of judged) {
      let before = job.state;
      for (const r of steps) { deps.onStep?.(job, before, r); before = r.state; }
    }
  });
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
  const after: AfterCommit = [];
  const results = await deps.db.transaction(async (tx) => {
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
    await persistSteps(deps, tx, judged, after);
    return merged;
  });
  for (const f of after) f();
  return results;
}
