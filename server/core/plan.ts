// Desired config vs current config → the changes that make them equal, field by field (SPEC §5).
// Pure. Values are display strings in the file's own words (grace 10m, not 600), and secret
// settings never leave this function: their changes say only that they changed.
import { formatDuration } from '../../schema/duration.js';
import { SECRET_SETTINGS, type ChannelSpec, type JobSpec, type ProjectConfig, type RouteSpec } from '../../schema/types.js';

export type ResourceKind = 'job' | 'channel' | 'route';
export type Action = 'create' | 'update' | 'delete';

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
  secret?: boolean;
}

export interface Change {
  kind: ResourceKind;
  action: Action;
  /** The job or channel name, or `#1` for the first route. */
  name: string;
  fields: FieldChange[];
}

export const REDACTED = '(secret)';

/** The changes that turn `current` (null: the project does not exist yet) into `desired`. */
export function planChanges(desired: ProjectConfig, current: ProjectConfig | null): Change[] {
  const now = current ?? { project: desired.project, jobs: [], channels: [], routes: [] };
  return [
    ...diffNamed('channel', desired.channels, now.channels, channelFields, SECRETS_OF),
    ...diffNamed('job', desired.jobs, now.jobs, jobFields, () => new Set()),
    ...diffRoutes(desired.routes, now.routes),
  ];
}

const SECRETS_OF = (c: ChannelSpec) => new Set(SECRET_SETTINGS[c.type] ?? []);

function diffNamed<T extends { name: string }>(
  kind: ResourceKind, desired: T[], current: T[], fields: (x: T) => Record<string, string | null>, secrets: (x: T) => Set<string>,
): Change[] {
  const changes: Change[] = [];
  const byName = new Map(current.map((c) => [c.name, c]));
  const wanted = new Set(desired.map((d) => d.name));
  for (const d of desired) {
    const c = byName.get(d.name);
    const diff = diffFields(c ? fields(c) : {}, fields(d), new Set([...secrets(d), ...(c ? secrets(c) : [])]));
    if (!c) changes.push({ kind, action: 'create', name: d.name, fields: diff });
    else if (diff.length > 0) changes.push({ kind, action: 'update', name: d.name, fields: diff });
  }
  for (const c of current) {
    if (!wanted.has(c.name)) changes.push({ kind, action: 'delete', name: c.name, fields: diffFields(fields(c), {}, secrets(c)) });
  }
  return changes;
}

function diffRoutes(desired: RouteSpec[], current: RouteSpec[]): Change[] {
  const changes: Change[] = [];
  for (let i = 0; i < Math.max(desired.length, current.length); i++) {
    const d = desired[i];
    const c = current[i];
    const name = `#${i + 1}`;
    const diff = diffFields(c ? routeFields(c) : {}, d ? routeFields(d) : {}, new Set());
    if (d && !c) changes.push({ kind: 'route', action: 'create', name, fields: diff });
    else if (!d && c) changes.push({ kind: 'route', action: 'delete', name, fields: diff });
    else if (diff.length > 0) changes.push({ kind: 'route', action: 'update', name, fields: diff });
  }
  return changes;
}

function diffFields(from: Record<string, string | null>, to: Record<string, string | null>, secrets: Set<string>): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const a = from[field] ?? null;
    const b = to[field] ?? null;
    if (a === b) continue;
    out.push(secrets.has(field)
      ? { field, from: a === null ? null : REDACTED, to: b === null ? null : REDACTED, secret: true }
      : { field, from: a, to: b });
  }
  return out;
}

/** A job in the words of pakyas.yaml, one string per field; unset optional fields are absent. */
export function jobFields(j: JobSpec): Record<string, string | null> {
  return {
    ...(j.schedule.kind === 'cron' ? { schedule: j.schedule.cron } : { every: formatDuration(j.schedule.everySeconds) }),
    timezone: j.timezone,
    grace: formatDuration(j.graceSeconds),
    max_duration: formatDuration(j.maxDurationSeconds),
    alert_after: String(j.alertAfter),
    paused: String(j.paused),
    ...(j.tags.length ? { tags: j.tags.join(', ') } : {}),
    ...(j.description !== null ? { description: j.description } : {}),
  };
}

function channelFields(c: ChannelSpec): Record<string, string | null> {
  const out: Record<string, string | null> = { type: c.type };
  for (const [k, v] of Object.entries(c.settings)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function routeFields(r: RouteSpec): Record<string, string | null> {
  const match = [r.match.job !== undefined ? `job ${r.match.job}` : null, r.match.tags?.length ? `tags ${r.match.tags.join(', ')}` : null]
    .filter(Boolean).join(' and ');
  return { match, notify: r.notify.join(', '), on: r.on.join(', ') };
}

/** "grace 5m → 10m", "tags (none) → critical", "webhook_url changed (secret)". */
export function describeField(f: FieldChange): string {
  if (f.secret) return f.from === null ? `${f.field} set (secret)` : f.to === null ? `${f.field} removed` : `${f.field} changed (secret)`;
  return `${f.field} ${f.from ?? '(none)'} → ${f.to ?? '(none)'}`;
}

export function countChanges(changes: Change[]): Record<Action, number> {
  const n = { create: 0, update: 0, delete: 0 };
  for (const c of changes) n[c.action]++;
  return n;
}
