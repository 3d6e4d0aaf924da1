// The IO shell around step(): lock the job's row, judge, and write everything the step produced
// in the same transaction: the state, the timeline, the alerts owed, the checks to schedule, and a
// NOTIFY for live views. Checks wake the worker after the transaction commits.
import type { PgBoss } from 'pg-boss';
import type { JobSpec } from '../schema/types.js';
import { nextWake, scheduleWakes, type Waker } from './checks.js';
import { dueEvents, nextCheckAt, type AlertIntent, type JobEvent, type JobState, type Step } from './core/state.js';
import { step } from './core/status.js';
import { lockJob, saveStep, type JobRow } from './db/jobs.js';
import { changePayload, CHANGES_CHANNEL } from './db/notify.js';
import type { Database, Queryable } from './db/port.js';

export interface JudgeDeps {
  db: Database;
  boss: PgBoss;
  waker: Waker;
  /** Wakes the alert delivery worker. */
  alertWaker: Waker;
  /** Writes the alerts a step owes, in its transaction (server/alerts.ts); returns deliveries queued. */
  recordAlerts: (tx: Queryable, job: JobRow, alerts: AlertIntent[]) => Promise<number>;
  /** Counts transitions for /metrics. */
  onStep?: (job: JobRow, before: JobState, result: Step) => void;
}

/** What a transaction must do once it has committed. */
export type AfterCommit = Array<() => void>;

/**
 * Writes one step's results for `job` inside `tx`, with the signal that caused it, if any.
 * `job.next_check_at` is the wake-up still pending; `stored` is what the row holds now.
 */
export async function persistStep(
  deps: JudgeDeps, tx: Queryable, job: JobRow, spec: JobSpec, result: Step, after: AfterCommit,
  signal: Record<string, unknown> | null = null, stored: number | null = job.next_check_at,
): Promise<void> {
  const wake = nextWake(nextCheckAt(spec, result.state), job.next_check_at);
  const unchanged = signal === null && result.timeline.length === 0 && result.alerts.length === 0 && wake.next === stored
    && JSON.stringify(result.state) === JSON.stringify(job.state) && spec === job.spec;
  if (unchanged) return;
  await saveStep(tx, {
    jobId: job.id, spec, state: result.state, timeline: result.timeline, signal, nextCheckAt: wake.next,
    notice: { channel: CHANGES_CHANNEL, payload: changePayload({ project: job.project, job: job.name, status: result.state.status }) },
  });
  const queued = result.alerts.length > 0 ? await deps.recordAlerts(tx, job, result.alerts) : 0;
  const wakes = wake.schedule ? await scheduleWakes(deps.boss, tx, [{ jobId: job.id, at: wake.next! }]) : [];
  const before = job.state;
  after.push(() => {
    for (const at of wakes) deps.waker.at(at);
    if (queued > 0) deps.alertWaker.at(Date.now());
    deps.onStep?.(job, before, result);
  });
}

/** Judges one event for one job in its own transaction; null when the job no longer exists. */
export async function judge(deps: JudgeDeps, jobId: number, event: JobEvent, now = Date.now()): Promise<Step | null> {
  return judgeAll(deps, jobId, () => [event], now);
}

/**
 * A wake-up: judges everything due for the job at `now` (a deadline, overruns, a pause's end),
 * consumes the wake-up if it is the pending one, and leaves the next one scheduled.
 */
export async function wakeUp(deps: JudgeDeps, jobId: number, at: number, now = Date.now()): Promise<Step | null> {
  return judgeAll(deps, jobId, (job) => dueEvents(job.spec, job.state, now), now, at);
}

async function judgeAll(deps: JudgeDeps, jobId: number, events: (job: JobRow) => JobEvent[], now: number, consumes?: number): Promise<Step | null> {
  const after: AfterCommit = [];
  const result = await deps.db.transaction(async (tx) => {
    const row = await lockJob(tx, jobId);
    if (!row) return null;
    const job = consumes !== undefined && row.next_check_at === consumes ? { ...row, next_check_at: null } : row;
    let merged: Step = { state: job.state, timeline: [], alerts: [], checks: [] };
    for (const event of events(job)) {
      const r = step(job.spec, merged.state, event, now);
      merged = { state: r.state, timeline: [...merged.timeline, ...r.timeline], alerts: [...merged.alerts, ...r.alerts], checks: [...merged.checks, ...r.checks] };
    }
    await persistStep(deps, tx, job, job.spec, merged, after, null, row.next_check_at);
    return merged;
  });
  for (const f of after) f();
  return result;
}
