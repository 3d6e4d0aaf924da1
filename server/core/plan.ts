// Desired config vs current config → the changes that make them equal, field by field (SPEC §5).
// Pure. Values are display strings in the file's own words (grace 10m, not 600), and secrets
// never leave this function: a channel setting is shown only as displaySetting() allows, and a
// change in what it hides says only that it changed.
import { formatDuration } from '../../schema/duration.js';
import { routeKey } from './routing.js';
import { displaySetting, REDACTED, type ChannelSpec, type JobSpec, type ProjectConfig, type RouteSpec } from '../../schema/types.js';

export type ResourceKind = 'job' | 'channel' | 'route';
export type Action = 'create' | 'update' | 'delete';

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
  /** Some or all of the value is hidden: `from` and `to` show only what may be shown. */
  secret?: boolean;
  /**
   * The hidden parts were not compared (a read-only plan): whether they differ is not known, and
   * must not be, or a read-only token could confirm a guessed secret.
   */
  notCompared?: boolean;
}

export interface Change {
  kind: ResourceKind;
  action: Action;
  /** The job or channel name, or `#1` for the first route. */
  name: string;
  fields: FieldChange[];
}

export interface PlanOptions {
  /** Whether hidden values are compared; false for a token that may only read (it sees equality otherwise). */
  compareSecrets: boolean;
}

/** The changes that turn `current` (null: the project does not exist yet) into `desired`. */
export function planChanges(desired: ProjectConfig, current: ProjectConfig | null, options: PlanOptions = { compareSecrets: true }): Change[] {
  const now = current ?? { project: desired.project, jobs: [], channels: [], routes: [] };
  return [
    ...diffNamed('channel', desired.channels, now.channels, (a, b) => diffChannel(a, b, options.compareSecrets)),
    ...diffNamed('job', desired.jobs, now.jobs, (a, b) => diffFields(a ? jobFields(a) : {}, b ? jobFields(b) : {})),
    ...diffRoutes(desired.routes, now.routes),
  ];
}

function diffNamed<T extends { name: string }>(kind: ResourceKind, desired: T[], current: T[], diff: (from: T | null, to: T | null) => FieldChange[]): Change[] {
  const changes: Change[] = [];
  const byName = new Map(current.map((c) => [c.name, c]));
  const wanted = new Set(desired.map((d) => d.name));
  for (const d of desired) {
    const c = byName.get(d.name);
    const fields = diff(c ?? null, d);
    if (!c) changes.push({ kind, action: 'create', name: d.name, fields });
    else if (fields.length > 0) changes.push({ kind, action: 'update', name: d.name, fields });
  }
  for (const c of current) {
    if (!wanted.has(c.name)) changes.push({ kind, action: 'delete', name: c.name, fields: diff(c, null) });
  }
  return changes;
}

function diffChannel(from: ChannelSpec | null, to: ChannelSpec | null, compareSecrets: boolean): FieldChange[] {
  const a = from ? channelFields(from) : {};
  const b = to ? channelFields(to) : {};
  const out: FieldChange[] = [];
  for (const field of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[field] ?? null;
    const y = b[field] ?? null;
    const shownX = x === null ? null : displaySetting(from!.type, field, x);
    const shownY = y === null ? null : displaySetting(to!.type, field, y);
    if (!shownX?.hidden && !shownY?.hidden) {
      if (x !== y) out.push({ field, from: x, to: y });
    } else if (!compareSecrets && shownX && shownY) {
      // Only what may be shown is compared; the field is listed either way, so that the plan
      // reads the same whether the hidden parts are equal or not.
      out.push({ field, from: shownX.text, to: shownY.text, secret: true, notCompared: true });
    } else if (x !== y) {
      out.push({ field, from: shownX?.text ?? null, to: shownY?.text ?? null, secret: true });
    }
  }
  // A channel whose only listed fields are uncompared and look alike is not a change: listing it
  // would make every read-only plan of a channel with a secret say "changes".
  return out.some((f) => !f.notCompared || f.from !== f.to) ? out : [];
}

/**
 * Routes have no names: a route is what it is (core/routing.ts routeKey), so reordering them
 * changes nothing (every matching route is used). A route whose match stays and whose channels or
 * transitions change is an update of the route with that match; the rest are created or deleted.
 */
function diffRoutes(desired: RouteSpec[], current: RouteSpec[]): Change[] {
  const changes: Change[] = [];
  // Each side's routes that the other side does not have, counting duplicates.
  const unmatched = (from: RouteSpec[], against: RouteSpec[]) => {
    const left = new Map<string, number>();
    for (const r of against) left.set(routeKey(r), (left.get(routeKey(r)) ?? 0) + 1);
    return from.filter((r) => {
      const n = left.get(routeKey(r)) ?? 0;
      if (n === 0) return true;
      left.set(routeKey(r), n - 1);
      return false;
    });
  };
  const added = unmatched(desired, current);
  const removed = unmatched(current, desired);
  const matchOf = (r: RouteSpec) => routeFields(r).match ?? '';
  for (const d of added) {
    const i = removed.findIndex((c) => matchOf(c) === matchOf(d));
    const c = i >= 0 ? removed.splice(i, 1)[0]! : null;
    if (c) changes.push({ kind: 'route', action: 'update', name: matchOf(d), fields: diffFields(routeFields(c), routeFields(d)) });
    else changes.push({ kind: 'route', action: 'create', name: matchOf(d), fields: diffFields({}, routeFields(d)) });
  }
  for (const c of removed) changes.push({ kind: 'route', action: 'delete', name: matchOf(c), fields: diffFields(routeFields(c), {}) });
  return changes;
}

function diffFields(from: Record<string, string | null>, to: Record<string, string | null>): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const a = from[field] ?? null;
    const b = to[field] ?? null;
    if (a !== b) out.push({ field, from: a, to: b });
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
    ...(j.uuid !== undefined ? { uuid: j.uuid } : {}),
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

export const NOT_COMPARED = 'not compared: this token is read-only';

/** "grace 5m → 10m", "tags (none) → critical", "webhook_url changed (secret)". */
export function describeField(f: FieldChange): string {
  const arrow = `${f.field} ${f.from ?? '(none)'} → ${f.to ?? '(none)'}`;
  if (f.notCompared) return f.from === f.to ? `${f.field} (secret, ${NOT_COMPARED})` : `${arrow} (secret parts ${NOT_COMPARED})`;
  if (!f.secret) return arrow;
  if (f.from === null && f.to === REDACTED) return `${f.field} set (secret)`;
  if (f.from === REDACTED && f.to === null) return `${f.field} removed`;
  // Equal as shown, so what differs is hidden.
  if (f.from === f.to) return `${f.field} changed (secret)`;
  return arrow;
}

export function countChanges(changes: Change[]): Record<Action, number> {
  const n = { create: 0, update: 0, delete: 0 };
  for (const c of changes) n[c.action]++;
  return n;
}
