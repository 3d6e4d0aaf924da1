// Human wording shared by timelines, alerts and the CLI. Pure: zones and times are passed in.
import { formatDuration } from '../../schema/duration.js';
import type { JobSpec } from '../../schema/types.js';

/** "12.4s", "3m 5s", "2h 10m": how long something took, as a person says it. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const total = Math.round(ms / 1000);
  const totalMin = Math.floor(total / 60);
  if (totalMin < 60) return `${totalMin}m ${total - totalMin * 60}s`.replace(/ 0s$/, '');
  const h = Math.floor(totalMin / 60);
  if (h < 48) return `${h}h ${totalMin - h * 60}m`.replace(/ 0m$/, '');
  const d = Math.floor(h / 24);
  return `${d}d ${h - d * 24}h`.replace(/ 0h$/, '');
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(locale: string, timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(`${locale} ${timeZone}`);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
    });
    formatters.set(`${locale} ${timeZone}`, f);
  }
  return f;
}

// formatToParts is slow (a tenth of the server's CPU under signal load): the wall clock of each
// minute is computed once per zone and kept (a few thousand minutes at most); the seconds are
// added. Exact while offsets are whole minutes, as every zone's have been since 1972.
const minuteCache = new Map<string, Readonly<Record<string, string>>>();

function partsIn(date: Date, timeZone: string): Record<string, string> {
  const ms = date.getTime();
  const minute = Math.floor(ms / 60_000);
  const key = `${minute} ${timeZone}`;
  let parts = minuteCache.get(key);
  if (!parts) {
    if (minuteCache.size >= 4000) minuteCache.clear();
    parts = computeParts(new Date(minute * 60_000), timeZone);
    minuteCache.set(key, parts);
  }
  return { ...parts, second: String(Math.floor((ms - minute * 60_000) / 1000)).padStart(2, '0') };
}

function computeParts(date: Date, timeZone: string): Record<string, string> {
  const parts = Object.fromEntries(formatter('en-US', timeZone).formatToParts(date).map((p) => [p.type, p.value]));
  // en-US names American zones (EDT) but writes GMT+2 for Europe; en-GB knows CEST. Take a
  // name where either has one, else the offset.
  if (parts.timeZoneName?.startsWith('GMT')) {
    const gb = formatter('en-GB', timeZone).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value;
    if (gb && !gb.startsWith('GMT')) parts.timeZoneName = gb;
  }
  return parts;
}

/** "2026-03-08 03:00 EDT": a moment as the wall clock of `timeZone` shows it. */
export function formatLocal(date: Date, timeZone: string, opts: { seconds?: boolean } = {}): string {
  const p = partsIn(date, timeZone);
  const time = `${p.hour}:${p.minute}${opts.seconds || p.second !== '00' ? `:${p.second}` : ''}`;
  return `${p.year}-${p.month}-${p.day} ${time} ${p.timeZoneName}`;
}

/** "03:00": the wall-clock time of day in `timeZone`, seconds only when they are not zero. */
export function formatClock(date: Date, timeZone: string): string {
  const p = partsIn(date, timeZone);
  return `${p.hour}:${p.minute}${p.second !== '00' ? `:${p.second}` : ''}`;
}

/** "03:00 CEST": a time of day in `timeZone`, with the zone's abbreviation (or offset). */
export function formatClockIn(date: Date, timeZone: string): string {
  return `${formatClock(date, timeZone)} ${partsIn(date, timeZone).timeZoneName}`;
}

/**
 * A time of day that says its zone, and UTC's where the two differ: "03:00 CET = 02:00 UTC",
 * "03:00 UTC". People on call read UTC; the job's owner reads the crontab's zone.
 */
export function formatZoned(date: Date, timeZone: string): string {
  const local = formatClock(date, timeZone);
  const utc = formatClock(date, 'UTC');
  return local === utc ? formatClockIn(date, timeZone) : `${formatClockIn(date, timeZone)} = ${utc} UTC`;
}

/**
 * A moment with its date, in the job's zone and in UTC where they differ:
 * "2026-11-28 03:00 CET = 02:00 UTC", "2026-11-28 00:30 CET = 2026-11-27 23:30 UTC",
 * "2026-11-28 02:00 UTC".
 */
export function formatZonedDate(date: Date, timeZone: string): string {
  const local = formatLocal(date, timeZone);
  const utc = formatLocal(date, 'UTC');
  const sameClock = formatClock(date, timeZone) === formatClock(date, 'UTC');
  if (sameClock && local.slice(0, 10) === utc.slice(0, 10)) return local;
  return `${local} = ${local.slice(0, 10) === utc.slice(0, 10) ? utc.slice(11) : utc}`;
}

/** `cron "0 3 * * *" in Europe/Berlin` or `every 15m`. */
export function describeSchedule(job: Pick<JobSpec, 'schedule' | 'timezone'>): string {
  return job.schedule.kind === 'cron'
    ? `cron "${job.schedule.cron}" in ${job.timezone}`
    : `every ${formatDuration(job.schedule.everySeconds)}`;
}
