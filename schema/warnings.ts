// What is valid but probably not meant: zones that do not follow a city's clock, and windows or
// runs that overlap. Warnings, not errors: `validate` and `plan` exit 0 with them, unless --strict.
// Pure, over the normalised config and the raw file (to point at the line where a value is written).
import { formatDuration } from './duration.js';
import type { PathSegment } from './errors.js';
import type { JobSpec, PakyasFile, ProjectConfig } from './types.js';
import { cronCalendar } from './cron.js';

export interface Warning { path: PathSegment[]; message: string }

/** Zones with a fixed offset all year, and what they are. */
const FIXED: Record<string, number> = { EST: -5, MST: -7, HST: -10 };

/** Why a valid zone name is a trap, or null. */
export function zoneTrap(zone: string, known: readonly string[] = Intl.supportedValuesOf('timeZone')): string | null {
  const etc = /^Etc\/GMT([+-])(\d{1,2})$/.exec(zone);
  if (etc) {
    // POSIX signs: Etc/GMT+5 is five hours behind UTC.
    const hours = Number(etc[2]) * (etc[1] === '+' ? -1 : 1);
    return `${zone} is a fixed offset, UTC${hours < 0 ? '−' : '+'}${Math.abs(hours)} all year (the sign of Etc/GMT zones is inverted), with no daylight saving; for a place's wall clock write its zone, like America/New_York`;
  }
  if (FIXED[zone] !== undefined) {
    const h = FIXED[zone]!;
    return `${zone} is a fixed offset, UTC−${Math.abs(h)} all year, with no daylight saving; for a place's wall clock write its zone, like ${zone === 'EST' ? 'America/New_York' : zone === 'MST' ? 'America/Denver (or America/Phoenix, which keeps no DST)' : 'Pacific/Honolulu'}`;
  }
  // Legacy links: country-prefixed (US/Eastern) and slash-less names (EST5EDT, Japan). Other
  // names that the runtime does not list are IANA's newer spellings (Asia/Kolkata, where the
  // runtime's ICU still says Asia/Calcutta): those are right as written.
  if (known.includes(zone) || !(/^(US|Canada|Mexico|Brazil|Chile|SystemV)\//.test(zone) || !zone.includes('/'))) return null;
  const canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  if (canonical === 'UTC' || canonical === zone) return null;
  return `${zone} is a legacy name; write ${canonical}, the zone's IANA name (same clock)`;
}

const SAMPLE_RUNS = 60;

/** The shortest time between two expected runs, over the next runs (DST included), in seconds. */
function spacingSeconds(job: JobSpec, from: Date): number | null {
  if (job.schedule.kind === 'every') return job.schedule.everySeconds;
  const calendar = cronCalendar(job.schedule.cron, job.timezone);
  const runs: Date[] = [];
  for (let at: Date | null = calendar.nextRun(from); at && runs.length < SAMPLE_RUNS; at = calendar.nextRun(at)) runs.push(at);
  let min: number | null = null;
  for (let i = 1; i < runs.length; i++) {
    const gap = (runs[i]!.getTime() - runs[i - 1]!.getTime()) / 1000;
    if (min === null || gap < min) min = gap;
  }
  return min;
}

export function configWarnings(config: ProjectConfig, raw: PakyasFile, from = new Date()): Warning[] {
  const warnings: Warning[] = [];
  const seen = new Set<string>();
  const add = (path: PathSegment[], message: string) => {
    const key = `${path.join('.')}|${message}`;
    if (!seen.has(key)) { seen.add(key); warnings.push({ path, message }); }
  };
  const rawJobs = raw.jobs ?? {};
  const d = raw.defaults ?? {};
  // Where a job's setting is written: on the job, else in defaults, else (a built-in default) the job.
  const where = (name: string, key: 'timezone' | 'grace' | 'max_duration'): PathSegment[] =>
    rawJobs[name]?.[key] !== undefined ? ['jobs', name, key] : d[key] !== undefined ? ['defaults', key] : ['jobs', name];

  const known = Intl.supportedValuesOf('timeZone');
  // Thousands of jobs share a few schedules: the calendar work is done once for each.
  const spacings = new Map<string, number | null>();
  for (const job of config.jobs) {
    const trap = zoneTrap(job.timezone, known);
    if (trap) add(where(job.name, 'timezone'), trap);

    const key = `${JSON.stringify(job.schedule)} ${job.timezone}`;
    if (!spacings.has(key)) spacings.set(key, spacingSeconds(job, from));
    const spacing = spacings.get(key)!;
    if (spacing === null) continue;
    const between = `the ${formatDuration(spacing)} between ${job.schedule.kind === 'every' ? 'runs' : 'its closest runs'}`;
    if (job.graceSeconds * 2 >= spacing) {
      add(where(job.name, 'grace'), `grace ${formatDuration(job.graceSeconds)} is half or more of ${between} of ${job.name}: its windows (due ± grace) overlap, so a run can pay the wrong one; keep grace under ${formatDuration(Math.max(1, Math.floor((spacing - 1) / 2)))}`);
    }
    // The built-in max_duration (1h) is longer than many jobs' spacing and says nothing about them:
    // only a max_duration someone wrote is worth a warning.
    const written = rawJobs[job.name]?.max_duration !== undefined || d.max_duration !== undefined;
    if (written && job.maxDurationSeconds > spacing) {
      add(where(job.name, 'max_duration'), `max_duration ${formatDuration(job.maxDurationSeconds)} is longer than ${between} of ${job.name}: a run can still be going when the next is due (pakyas monitor --lock skips a run while one is going)`);
    }
  }
  return warnings;
}
