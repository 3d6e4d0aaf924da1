// The validated file → the config the server works with: defaults applied, durations in seconds.
import { parseDuration } from './duration.js';
import { DEFAULT_ROUTE_ON, DEFAULTS, type ChannelSpec, type JobSpec, type PakyasFile, type ProjectConfig } from './types.js';
import { expandVariables, type VariableRules } from './variables.js';

const seconds = (text: string | undefined, fallback: number) => (text === undefined ? fallback : parseDuration(text)!);

export function normalise(file: PakyasFile, rules: VariableRules = {}): ProjectConfig {
  const d = file.defaults ?? {};
  const jobs: JobSpec[] = Object.entries(file.jobs ?? {}).map(([name, job]) => ({
    name,
    description: job.description ?? null,
    schedule: job.schedule !== undefined
      ? { kind: 'cron', cron: job.schedule.trim() }
      : { kind: 'every', everySeconds: parseDuration(job.every!)! },
    timezone: job.timezone ?? d.timezone ?? DEFAULTS.timezone,
    graceSeconds: seconds(job.grace ?? d.grace, DEFAULTS.graceSeconds),
    maxDurationSeconds: seconds(job.max_duration ?? d.max_duration, DEFAULTS.maxDurationSeconds),
    tags: [...(job.tags ?? [])].sort(),
    paused: job.paused ?? false,
    alertAfter: job.alert_after ?? d.alert_after ?? DEFAULTS.alertAfter,
    ...(job.uuid !== undefined ? { uuid: job.uuid.toLowerCase() } : {}),
  }));

  const channels: ChannelSpec[] = Object.entries(file.channels ?? {}).map(([name, channel]) => {
    const { type, ...rest } = channel;
    const settings: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(rest)) {
      const expand = (s: string) => {
        const r = expandVariables(s, rules);
        return r.ok ? r.value : s;
      };
      settings[k] = Array.isArray(v) ? v.map(expand) : expand(String(v));
    }
    return { name, type, settings };
  });

  const routes = (file.routes ?? []).map((r) => ({
    match: { ...(r.match.job !== undefined ? { job: r.match.job } : {}), ...(r.match.tags ? { tags: [...r.match.tags].sort() } : {}) },
    notify: [...r.notify],
    on: r.on ? [...r.on] : [...DEFAULT_ROUTE_ON],
  }));

  return { project: file.project, jobs, channels, routes };
}
