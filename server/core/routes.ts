// Which channels hear a transition (SPEC §4). Pure: the job, the project's routes, the transition.
import type { JobSpec, RouteSpec, Transition } from '../../schema/types.js';

/** How many `*` a glob holds: at most MAX_GLOB_STARS (schema/vocabulary.ts), which the schema and the API enforce. */
export function countStars(glob: string): number {
  let n = 0;
  for (let i = 0; i < glob.length; i++) if (glob.charCodeAt(i) === 42) n++;
  return n;
}

/**
 * `*` matches any run of characters, `?` exactly one; everything else is literal.
 *
 * Globs come from users and are matched during deadline checks, with no request to time out: a
 * RegExp built from `*a*a*a*a*a*a*b` backtracks for seconds on a 64-character name and stops the
 * server. This walks both strings once, remembering only the last `*`: when a later literal fails,
 * that `*` takes one more character and matching resumes after it. Earlier stars never need to be
 * revisited (whatever the last star can absorb, it absorbs), so the work is at most
 * glob length × name length, whatever the glob.
 */
export function globMatches(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1; // the position of the last `*` seen in the glob
  let resume = 0; // where in the name the text after that `*` is tried next
  while (n < name.length) {
    const c = glob[g];
    if (c === '*') {
      star = g++;
      resume = n;
    } else if (c !== undefined && (c === '?' || c === name[n])) {
      g++;
      n++;
    } else if (star >= 0) {
      g = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
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
