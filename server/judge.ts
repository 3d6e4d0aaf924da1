// The IO shell around step(): lock the job's row, judge, and write everything the step produced
// in the same transaction: the state, the timeline, the alerts owed, the checks to schedule, and a
// NOTIFY for live views. Checks wake the worker after the transaction commits.
import type { PgBoss } from 'pg-boss';
import type { JobSpec } from '../schema/types.js';
import { scheduleChecks, type Waker } from './checks.js';
import type { AlertIntent, JobEvent, JobState, Step } from './core/state.js';
import { step } from './core/status.js';
import { lockJob, saveStep, type JobRow } from './db/jobs.js';
import { CHANGES_CHANNEL } from './db/notify.js';
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

/** Writes one step's results for `job` inside `tx`, with the signal that caused it, if any. */
export async function persistStep(
  deps: JudgeDeps, tx: Queryable, job: JobRow, spec: JobSpec, result: Step, after: AfterCommit, signal: Record<string, unknown> | null = null,
): Promise<void> {
  const unchanged = signal === null && result.timeline.length === 0 && result.alerts.length === 0 && result.checks.length === 0
    && JSON.stringify(result.state) === JSON.stringify(job.state) && spec === job.spec;
  if (unchanged) return;
  await saveStep(tx, {
    jobId: job.id, spec, state: result.state, timeline: result.timeline, signal,
    notice: { channel: CHANGES_CHANNEL, payload: JSON.stringify({ project: job.project, job: job.name, status: result.state.status }) },
  });
  const queued = result.alerts.length > 0 ? await deps.recordAlerts(tx, job, result.alerts) : 0;
  const wakes = await scheduleChecks(deps.boss, tx, result.checks.map((check) => ({ jobId: job.id, check })));
  const before = job.state;
  after.push(() => {
    for (const at of wakes) deps.waker.at(at);
    if (queued > 0) deps.alertWaker.at(Date.now());
    deps.onStep?.(job, before, result);
  });
}

/** Judges one event for one job in its own transaction; null when the job no longer exists. */
export async function judge(deps: JudgeDeps, jobId: number, event: JobEvent, now = Date.now()): Promise<Step | null> {
  const after: AfterCommit = [];
  const result = await deps.db.transaction(async (tx) => {
    const job = await lockJob(tx, jobId);
    if (!job) return null;
    const r = step(job.spec, job.state, event, now);
    await persistStep(deps, tx, job, job.spec, r, after);
    return r;
  });
  for (const f of after) f();
  return result;
}
