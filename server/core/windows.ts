// Schedules → expected runs. Pure: every function takes the moment it reasons about. What a cron
// expression means (fields, the daemon's daylight-saving rule, the calendar) is schema/cron.ts.
import type { JobSpec, Schedule } from '../../schema/types.js';
import { cronCalendar } from '../../schema/cron.js';

/** The next scheduled time strictly after `after`. For `every`, `after` is the previous run's start. */
export function nextDue(schedule: Schedule, timezone: string, after: Date): Date {
  if (schedule.kind === 'every') return new Date(after.getTime() + schedule.everySeconds * 1000);
  const next = cronCalendar(schedule.cron, timezone).nextRun(after);
  // A validated expression always has a next run; a year far away stands for "never" all the same.
  return next ?? new Date(Date.UTC(9999, 0, 1));
}

/** The latest scheduled time at or before `at`, for cron schedules; null for `every`. */
export function previousDue(schedule: Schedule, timezone: string, at: Date): Date | null {
  if (schedule.kind === 'every') return null;
  const [prev] = cronCalendar(schedule.cron, timezone).previousRuns(1, new Date(at.getTime() + 1000));
  return prev ?? null;
}

export interface ExpectedRun {
  due: Date;
  /** The earliest start that pays this run: due − grace. */
  windowStart: Date;
  /** The latest start that pays this run, after which it is missing: due + grace. */
  deadline: Date;
}

export function expectedRun(job: Pick<JobSpec, 'graceSeconds'>, due: Date): ExpectedRun {
  const grace = job.graceSeconds * 1000;
  return { due, windowStart: new Date(due.getTime() - grace), deadline: new Date(due.getTime() + grace) };
}

/**
 * The next `count` runs a job owes after `from`. For `every` with no run to measure from,
 * `from` stands for the apply time (SPEC §2), and each later run follows one interval on.
 */
export function upcomingRuns(job: Pick<JobSpec, 'schedule' | 'timezone' | 'graceSeconds'>, from: Date, count: number): ExpectedRun[] {
  const runs: ExpectedRun[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    at = nextDue(job.schedule, job.timezone, at);
    if (at.getUTCFullYear() >= 9999) break;
    runs.push(expectedRun(job, at));
  }
  return runs;
}
