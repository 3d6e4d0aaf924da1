// A Sentry Crons check-in → the Pakyas signal it means. Pure.
//   in_progress → start; ok → success; error → fail. check_in_id is the run id (the nil UUID,
//   which Sentry reads as "the latest open check-in", is no run id: the oldest open run closes);
//   duration is seconds. The monitor slug is the job's name.
import { isNilUuid, parseUuid } from '../../core/foreign-ids.js';
import type { IncomingSignal } from '../../signals.js';

const STATUSES: Record<string, IncomingSignal['kind']> = { in_progress: 'start', ok: 'success', error: 'fail' };
const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class CheckInError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export interface CheckIn {
  job: string;
  kind: IncomingSignal['kind'];
  rid: string | null;
  durationMs: number | null;
  monitorConfig: Record<string, unknown> | null;
}

/**
 * Fields as Sentry's JSON names them (a check_in item, or the check-in endpoint's JSON body or
 * query). Only `status` carries a state; the other fields SDKs add (event_id, timestamp,
 * platform, sdk, contexts, release, environment…) are read past, as Sentry's own ingestion does,
 * so that an SDK's next field never turns a check-in away.
 */
export function readCheckIn(fields: Record<string, unknown>, slugFromPath: string | null): CheckIn {
  const slug = slugFromPath ?? fields.monitor_slug;
  if (typeof slug !== 'string' || slug === '') throw new CheckInError(400, 'the check-in names no monitor_slug; nothing was recorded');
  if (!NAME.test(slug)) throw new CheckInError(404, `no job '${slug.slice(0, 64)}' for this DSN's key: Pakyas job names are lowercase letters, digits, '-' and '_'; declare the monitor slug as a job in pakyas.yaml`);
  const status = fields.status;
  if (status === undefined || status === null) throw new CheckInError(400, 'the check-in has no status: use in_progress, ok or error; nothing was recorded');
  if (typeof status !== 'string' || !Object.hasOwn(STATUSES, status)) {
    throw new CheckInError(400, `status '${String(status).slice(0, 30)}' is not one Pakyas reads: use in_progress, ok or error (missed and timeout are Pakyas's to decide); nothing was recorded`);
  }
  let rid: string | null = null;
  if (fields.check_in_id !== undefined && fields.check_in_id !== null) {
    const parsed = typeof fields.check_in_id === 'string' ? parseUuid(fields.check_in_id) : null;
    if (parsed === null) throw new CheckInError(400, `check_in_id '${String(fields.check_in_id).slice(0, 40)}' is not a UUID; nothing was recorded`);
    rid = isNilUuid(parsed) ? null : parsed;
  }
  let durationMs: number | null = null;
  if (fields.duration !== undefined && fields.duration !== null) {
    const d = typeof fields.duration === 'string' ? Number(fields.duration) : fields.duration;
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0 || d > 366 * 86400) {
      throw new CheckInError(400, `duration '${String(fields.duration).slice(0, 30)}' is not a number of seconds; nothing was recorded`);
    }
    durationMs = Math.round(d * 1000);
  }
  const config = fields.monitor_config;
  return {
    job: slug, kind: STATUSES[status]!, rid, durationMs,
    monitorConfig: config && typeof config === 'object' && !Array.isArray(config) ? config as Record<string, unknown> : null,
  };
}

const UNITS: Record<string, string> = { minute: 'm', hour: 'h', day: 'd' };

/**
 * What to declare for a monitor that is not a job yet, from the monitor_config the SDK sent
 * (which Pakyas never applies: monitors are code). One line of YAML, in flow style.
 */
export function suggestJob(job: string, config: Record<string, unknown> | null): string {
  const parts: string[] = [];
  const schedule = config?.schedule as Record<string, unknown> | undefined;
  if (schedule?.type === 'crontab' && typeof schedule.value === 'string' && /^[0-9*/,@a-zA-Z -]{1,100}$/.test(schedule.value)) {
    parts.push(`schedule: "${schedule.value}"`);
  } else if (schedule?.type === 'interval' && Number.isInteger(schedule.value) && typeof schedule.unit === 'string') {
    const n = schedule.value as number;
    if (schedule.unit === 'week') parts.push(`every: ${n * 7}d`);
    else if (UNITS[schedule.unit] && n > 0) parts.push(`every: ${n}${UNITS[schedule.unit]}`);
  }
  if (parts.length === 0) parts.push('schedule: "…"');
  if (typeof config?.timezone === 'string' && /^[A-Za-z0-9_+/-]{1,64}$/.test(config.timezone)) parts.push(`timezone: ${config.timezone}`);
  const minutes = (v: unknown) => (Number.isInteger(v) && (v as number) > 0 ? `${v as number}m` : null);
  const grace = minutes(config?.checkin_margin);
  if (grace) parts.push(`grace: ${grace}`);
  const max = minutes(config?.max_runtime);
  if (max) parts.push(`max_duration: ${max}`);
  return `jobs: { ${job}: { ${parts.join(', ')} } }`;
}

export function checkInSignal(c: CheckIn, pingKey: string, userAgent: string | null): IncomingSignal {
  return {
    pingKey, job: c.job, kind: c.kind, exitCode: null, rid: c.rid, durationMs: c.durationMs, host: null,
    userAgent, body: null, bodyCutBytes: 0, occurredAt: null,
  };
}
