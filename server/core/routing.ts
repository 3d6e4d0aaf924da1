// Who hears what, read from a config: the routing table of every job, what a change of config
// does to it (for a reviewer, who should see "oncall stops hearing nightly-backup fail", not a
// route's syntax), and the routings that are probably mistakes. Pure.
import type { JobSpec, ProjectConfig, RouteSpec, Transition } from '../../schema/types.js';
import { TRANSITIONS } from '../../schema/vocabulary.js';
import { routeMatches } from './routes.js';

export interface Heard { channel: string; /** 1-based positions of the routes that send it */ routes: number[] }
export interface RoutingRow { job: string; transition: Transition; channels: Heard[] }

type Job = Pick<JobSpec, 'name' | 'tags'>;

/** The channels that hear `transition` of `job`, each with the routes that send it there. */
function heard(job: Job, routes: readonly RouteSpec[], transition: Transition): Heard[] {
  const out = new Map<string, number[]>();
  routes.forEach((route, i) => {
    if (!route.on.includes(transition) || !routeMatches(route, job)) return;
    for (const channel of route.notify) out.set(channel, [...(out.get(channel) ?? []), i + 1]);
  });
  return [...out].map(([channel, via]) => ({ channel, routes: via }));
}

/**
 * Every job, every transition, the channels that hear it and the routes that send it. A recovery
 * goes, when it happens, only to the channels among these that heard the bad news.
 */
export function routingTable(config: Pick<ProjectConfig, 'jobs' | 'routes'>, only?: string): RoutingRow[] {
  const rows: RoutingRow[] = [];
  for (const job of config.jobs) {
    if (only !== undefined && job.name !== only) continue;
    for (const transition of TRANSITIONS) rows.push({ job: job.name, transition, channels: heard(job, config.routes, transition) });
  }
  return rows;
}

/** One effect of a change, shared by every job it names. */
export interface RoutingEffect {
  jobs: string[];
  transition: Transition;
  starts: string[];
  stops: string[];
  /** Channels that heard it before and still do. */
  still: string[];
}

/**
 * What a change of config does to who hears what: per job (kept or created) and transition, the
 * channels that start or stop hearing it. Jobs with the same effect are one entry, so a change
 * that touches 300 jobs the same way reads as one line. Deleted jobs hear nothing and are not
 * listed (the plan says they go).
 */
export function routingImpact(desired: Pick<ProjectConfig, 'jobs' | 'routes'>, current: Pick<ProjectConfig, 'jobs' | 'routes'> | null): RoutingEffect[] {
  const before = new Map((current?.jobs ?? []).map((j) => [j.name, j]));
  const groups = new Map<string, RoutingEffect>();
  for (const job of desired.jobs) {
    const old = before.get(job.name);
    for (const transition of TRANSITIONS) {
      const now = heard(job, desired.routes, transition).map((h) => h.channel);
      const then = old && current ? heard(old, current.routes, transition).map((h) => h.channel) : [];
      const starts = now.filter((c) => !then.includes(c)).sort();
      const stops = then.filter((c) => !now.includes(c)).sort();
      if (starts.length === 0 && stops.length === 0) continue;
      const still = now.filter((c) => then.includes(c)).sort();
      const key = JSON.stringify([transition, starts, stops, still]);
      const group = groups.get(key);
      if (group) group.jobs.push(job.name);
      else groups.set(key, { jobs: [job.name], transition, starts, stops, still });
    }
  }
  const order = (t: Transition) => TRANSITIONS.indexOf(t);
  return [...groups.values()].sort((a, b) => a.jobs[0]!.localeCompare(b.jobs[0]!) || order(a.transition) - order(b.transition));
}

const list = (names: string[]) => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/** "nightly-backup, etl and 3 more jobs", naming at most `max`. */
export function jobsText(jobs: string[], max = 3): string {
  if (jobs.length <= max) return list(jobs);
  return `${jobs.slice(0, max).join(', ')} and ${jobs.length - max} more jobs`;
}

const VERB: Record<Transition, string> = {
  failed: 'fails', missing: 'goes missing', overrunning: 'overruns', late: 'runs late', recovered: 'recovers',
};

/** "nightly-backup · failed: oncall stops hearing it; ops still does". */
export function describeEffect(e: RoutingEffect): string {
  const parts: string[] = [];
  if (e.starts.length) parts.push(`${list(e.starts)} start${e.starts.length === 1 ? 's' : ''} hearing it`);
  if (e.stops.length) parts.push(`${list(e.stops)} stop${e.stops.length === 1 ? 's' : ''} hearing it`);
  if (e.still.length) parts.push(`${list(e.still)} still do${e.still.length === 1 ? 'es' : ''}`);
  else if (e.stops.length && !e.starts.length) parts.push(`nobody will be told when it ${VERB[e.transition]}`);
  return `${jobsText(e.jobs)} · ${e.transition}: ${parts.join('; ')}`;
}

/** A routing that is probably a mistake, at the path of what to look at. */
export interface RoutingWarning { path: Array<string | number>; message: string }

/**
 * Jobs nobody hears fail or go missing, channels no route uses, routes that match no job, and
 * routes whose every alert another route already sends. A project with no routes at all has not
 * set up alerting yet (a demo, a first file): that is one state, not a warning per job.
 */
export function routingWarnings(config: Pick<ProjectConfig, 'jobs' | 'routes' | 'channels'>): RoutingWarning[] {
  const warnings: RoutingWarning[] = [];
  if (config.routes.length === 0) return warnings;
  for (const job of config.jobs) {
    const deaf = (['failed', 'missing'] as const).filter((t) => heard(job, config.routes, t).length === 0);
    if (deaf.length > 0) warnings.push({ path: ['jobs', job.name], message: `nobody will be told when ${job.name} ${deaf.map((t) => VERB[t]).join(' or ')}: no route sends its ${deaf.join(' or ')} alerts to a channel` });
  }
  const used = new Set(config.routes.flatMap((r) => r.notify));
  for (const channel of config.channels) {
    if (!used.has(channel.name)) warnings.push({ path: ['channels', channel.name], message: `no route sends alerts to ${channel.name}` });
  }
  // What each route sends: job, transition and channel.
  const sends = config.routes.map((route) => {
    const out = new Set<string>();
    for (const job of config.jobs) {
      if (!routeMatches(route, job)) continue;
      for (const t of route.on) for (const c of route.notify) out.add(`${job.name}\u0000${t}\u0000${c}`);
    }
    return out;
  });
  config.routes.forEach((route, i) => {
    if (config.jobs.length > 0 && !config.jobs.some((job) => routeMatches(route, job))) {
      warnings.push({ path: ['routes', i, 'match'], message: `route #${i + 1} matches no job` });
      return;
    }
    const mine = sends[i]!;
    if (mine.size === 0) return;
    // Shadowed: another route already sends all of it (of two that send the same, the later is).
    const by = sends.findIndex((other, j) => j !== i && [...mine].every((s) => other.has(s)) && (other.size > mine.size || j < i));
    if (by >= 0) warnings.push({ path: ['routes', i], message: `route #${i + 1} adds nothing: route #${by + 1} already sends every alert it sends` });
  });
  return warnings;
}

/** A route by what it is, not where it stands: reordering routes is no change. */
export function routeKey(route: RouteSpec): string {
  return JSON.stringify([route.match.job ?? null, [...(route.match.tags ?? [])].sort(), [...route.notify].sort(), [...route.on].sort()]);
}
