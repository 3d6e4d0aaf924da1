// Schedules → expected runs. Pure: every function takes the moment it reasons about.
//
// croner does the calendar work, on expressions checked and read the daemon's way (cron.ts). Its
// fixed-time rule is set to the daemon's (SPEC §2): a job whose minute and hour fields have no
// wildcard or step (`30 2 * * *`, and also `0 1-5 * * *` and `30 1,2,3 * * *`) is a fixed-time job:
// a local time skipped by the spring-forward change is expected once, at the moment of the change,
// and a local time that happens twice on the fall-back day is expected once, at its first
// occurrence. A wildcard or stepped hour or minute (`0 * * * *`, `*/15 2 * * *`) keeps its cadence
// in real time: every real hour, skipped times skipped and repeated times run twice.
import { Cron } from 'croner';
import type { JobSpec, Schedule } from '../../schema/types.js';
import { parseCron } from './cron.js';

const cache = new Map<string, Cron>();

function cronFor(expr: string, timezone: string): Cron {
  const key = `${timezone} ${expr}`;
  let cron = cache.get(key);
  if (!cron) {
    const parsed = parseCron(expr);
    if (!parsed.ok) throw new Error(parsed.message);
    cron = new Cron(parsed.pattern.fields, { timezone, mode: '5-part', domAndDow: parsed.pattern.domAndDow, fixedTimeRule: 'no-wildcard', paused: true });
    if (cache.size > 10_000) cache.clear();
    cache.set(key, cron);
  }
  return cron;
}

/** Why a cron expression is not usable, or null when it is. */
export function cronError(expr: string): string | null {
  const parsed = parseCron(expr);
  if (!parsed.ok) return parsed.message;
  try {
    // A day that never comes (`0 0 30 2 *`) would leave a job that is never due, and never missing.
    const next = cronFor(expr, 'UTC').nextRun(new Date(Date.UTC(2000, 0, 1)));
    return next ? null : 'it never matches a date';
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern: /, '');
  }
}

/** Whether the runtime knows this IANA zone name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The next scheduled time strictly after `after`. For `every`, `after` is the previous run's start. */
export function nextDue(schedule: Schedule, timezone: string, after: Date): Date {
  if (schedule.kind === 'every') return new Date(after.getTime() + schedule.everySeconds * 1000);
  const next = cronFor(schedule.cron, timezone).nextRun(after);
  // A validated expression always has a next run; a year far away stands for "never" all the same.
  return next ?? new Date(Date.UTC(9999, 0, 1));
}

/** The latest scheduled time at or before `at`, for cron schedules; null for `every`. */
export function previousDue(schedule: Schedule, timezone: string, at: Date): Date | null {
  if (schedule.kind === 'every') return null;
  const [prev] = cronFor(schedule.cron, timezone).previousRuns(1, new Date(at.getTime() + 1000));
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
