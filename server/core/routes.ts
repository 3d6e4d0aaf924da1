// Which channels hear a transition (SPEC §4). Pure: the job, the project's routes, the transition.
import type { JobSpec, RouteSpec, Transition } from '../../schema/types.js';

/** `*` matches any run of characters, `?` exactly one; everything else is literal. */
export function globMatches(glob: string, name: string): boolean {
  const re = new RegExp(`^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return re.test(name);
}

export function routeMatches(route: RouteSpec, job: Pick<JobSpec, 'name' | 'tags'>): boolean {
  if (route.match.job !== undefined && !globMatches(route.match.job, job.name)) return false;
  if (route.match.tags && !route.match.tags.every((t) => job.tags.includes(t))) return false;
  return true;
}

/**
 * The channels that hear `transition` of `job`, each once, in the order routes name them. For
 * `recovered`, only channels in `heardTheBadNews` qualify: a recovery nobody was told about is noise.
 */
export function channelsFor(job: Pick<JobSpec, 'name' | 'tags'>, routes: RouteSpec[], transition: Transition, heardTheBadNews?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const route of routes) {
    if (!route.on.includes(transition) || !routeMatches(route, job)) continue;
    for (const channel of route.notify) {
      if (out.includes(channel)) continue;
      if (transition === 'recovered' && heardTheBadNews && !heardTheBadNews.has(channel)) continue;
      out.push(channel);
    }
  }
  return out;
}
