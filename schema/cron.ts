// Cron expressions as the Vixie/Debian cron daemon reads them, because users paste crontab lines:
// five fields of numbers, `*`, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, month and
// weekday names (jan–dec, sun–sat), 0 or 7 for Sunday, and the macros @yearly, @annually,
// @monthly, @weekly, @daily, @midnight, @hourly. Anything the daemon does not read (Quartz's `L`,
// `W`, `#` and `?`, seconds, years, @reboot) is refused with the field it is in, rather than
// given a meaning the daemon would not give it. And the zones they are read in. Pure.
//
// The one place that says what a schedule means: the loader (schema/load.ts), the API's own
// checks (server/api/config-input.ts) and the signal model's calendar (server/core/windows.ts)
// all ask here. croner does the calendar work, set to the daemon's daylight-saving rule (SPEC §2):
// a job whose minute and hour fields have no wildcard or step (`30 2 * * *`, and also
// `0 1-5 * * *` and `30 1,2,3 * * *`) is a fixed-time job: a local time skipped by the
// spring-forward change is expected once, at the moment of the change, and a local time that
// happens twice on the fall-back day is expected once, at its first occurrence. A wildcard or
// stepped hour or minute (`0 * * * *`, `*/15 2 * * *`) keeps its cadence in real time: every real
// hour, skipped times skipped and repeated times run twice.
import { Cron } from 'croner';

export const CRON_MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface Field { name: string; min: number; max: number; unit: string; names?: readonly string[] }

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59, unit: 'minutes are 0–59' },
  { name: 'hour', min: 0, max: 23, unit: 'hours are 0–23' },
  { name: 'day-of-month', min: 1, max: 31, unit: 'days of the month are 1–31' },
  { name: 'month', min: 1, max: 12, unit: 'months are 1–12 or jan–dec', names: MONTHS },
  { name: 'day-of-week', min: 0, max: 7, unit: 'days of the week are 0–7 (0 and 7 are Sunday) or sun–sat', names: WEEKDAYS },
];

/** A cron expression the daemon would read, ready for the calendar: its five fields, and how its day fields combine. */
export interface CronPattern {
  /** The five fields, macros expanded. */
  fields: string;
  /**
   * Vixie cron matches a day when day-of-month OR day-of-week matches, but when either field
   * starts with `*` (a plain star, or a star with a step) that field counts as unrestricted and
   * both must match: so "0 12 STAR/2 * 1" is odd days that are Mondays, not every odd day and
   * every Monday.
   */
  domAndDow: boolean;
}

export type CronParse = { ok: true; pattern: CronPattern } | { ok: false; message: string };

export function parseCron(expr: string): CronParse {
  const text = expr.trim();
  if (text.startsWith('@')) {
    const fields = CRON_MACROS[text.toLowerCase()];
    if (!fields) return { ok: false, message: `unknown macro ${text.slice(0, 20)}` };
    return { ok: true, pattern: { fields, domAndDow: true } };
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5) return { ok: false, message: `it has ${parts.length} field${parts.length === 1 ? '' : 's'}, not 5` };
  for (let i = 0; i < 5; i++) {
    const why = fieldError(parts[i]!, FIELDS[i]!);
    if (why) return { ok: false, message: `${FIELDS[i]!.name} field ${JSON.stringify(parts[i]!.slice(0, 40))}: ${why}` };
  }
  return { ok: true, pattern: { fields: parts.join(' '), domAndDow: parts[2]!.startsWith('*') || parts[4]!.startsWith('*') } };
}

function fieldError(text: string, field: Field): string | null {
  for (const item of text.split(',')) {
    if (item === '') return 'an empty item in a list; separate values with single commas, like 1,15';
    const why = itemError(item, field);
    if (why) return why;
  }
  return null;
}

function itemError(item: string, field: Field): string | null {
  const slash = item.indexOf('/');
  const range = slash === -1 ? item : item.slice(0, slash);
  if (slash !== -1) {
    const step = item.slice(slash + 1);
    if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > field.max) return `step /${step.slice(0, 10)} is not a whole number from 1 to ${field.max}`;
    // `5/10` is Quartz's "from 5 every 10"; the daemon wants a range or `*` before a step.
    if (range !== '*' && !range.includes('-')) return `a step needs * or a range before it, like */${step} or ${range}-${field.max}/${step}`;
  }
  if (range === '*') return null;
  const ends = range.split('-');
  if (ends.length > 2) return `${range.slice(0, 20)} is not a value or a range a-b`;
  const values: number[] = [];
  for (const end of ends) {
    const v = value(end, field);
    if (typeof v === 'string') return v;
    values.push(v);
  }
  if (values.length === 2 && values[0]! > values[1]!) return `the range ${range} runs backwards; write the smaller value first`;
  return null;
}

function value(text: string, field: Field): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : `${text} is out of range; ${field.unit}`;
  }
  const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return field.names === MONTHS ? named + 1 : named;
  if (/^[LW#?]|[LW#?]$|#/.test(text.toUpperCase())) return `${text.slice(0, 20)} is Quartz syntax (L, W, #, ?), which cron does not read; ${field.unit}`;
  return `${text.slice(0, 20)} is not a value; ${field.unit}`;
}

const calendars = new Map<string, Cron>();

/**
 * The calendar of a valid expression in a zone: when it runs (croner, read the daemon's way).
 * Throws for an expression parseCron refuses; validated configs never hold one.
 */
export function cronCalendar(expr: string, timezone: string): Cron {
  const key = `${timezone} ${expr}`;
  let cron = calendars.get(key);
  if (!cron) {
    const parsed = parseCron(expr);
    if (!parsed.ok) throw new Error(parsed.message);
    cron = new Cron(parsed.pattern.fields, { timezone, mode: '5-part', domAndDow: parsed.pattern.domAndDow, fixedTimeRule: 'no-wildcard', paused: true });
    if (calendars.size > 10_000) calendars.clear();
    calendars.set(key, cron);
  }
  return cron;
}

/** Why a cron expression is not usable, or null when it is. */
export function cronError(expr: string): string | null {
  const parsed = parseCron(expr);
  if (!parsed.ok) return parsed.message;
  try {
    // A day that never comes (`0 0 30 2 *`) would leave a job that is never due, and never missing.
    const next = cronCalendar(expr, 'UTC').nextRun(new Date(Date.UTC(2000, 0, 1)));
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
