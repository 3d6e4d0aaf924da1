// The jobs the dashboard shows, kept current. Changes can arrive hundreds of times a second: they
// are collected and reloaded at most once per refreshMs, and only the jobs that changed (with 5,000
// jobs, reloading them all on every change kept the process busy enough to delay keys). Everything
// is reloaded when anything may have changed: on connecting, after a drop, after a configuration
// change, after a failed load, and past 500 changed jobs.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JobView } from '../client.js';
import type { Changed, DashboardSource, Link } from './source.js';

export interface JobsOptions {
  /** At most one reload per this many ms of `clock`. */
  refreshMs: number;
  /** The dashboard's clock (tests pass their own). */
  clock: () => number;
  /** After each reload: which jobs it reloaded ('all', or those named). */
  onReloaded: (changed: 'all' | Changed[]) => Promise<void> | void;
  onError: (message: string) => void;
}

export interface Jobs {
  jobs: JobView[];
  link: Link;
  /** Whether the jobs have been loaded once: before that, an empty list means "not known yet". */
  loaded: boolean;
  /** Reloads the jobs named, or every job when none are. */
  refresh: (changed?: Changed[]) => Promise<void>;
}

const keyOf = (j: { project: string; job: string }) => `${j.project}/${j.job}`;

export function useJobs(source: DashboardSource, options: JobsOptions): Jobs {
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [link, setLink] = useState<Link>('connecting');
  // The latest options, read by the callbacks without subscribing again on every render.
  const latest = useRef(options);
  latest.current = options;

  const reload = useRef({ running: false, again: false, last: -Infinity, all: true, changed: new Map<string, Changed>() });
  const refresh = useCallback(async (changed?: Changed[]) => {
    const r = reload.current;
    const { refreshMs, clock } = latest.current;
    if (changed === undefined || changed.some((c) => c.job === '*')) r.all = true;
    else for (const c of changed) r.changed.set(keyOf(c), c);
    if (r.running) { r.again = true; return; }
    const wait = r.last + refreshMs - clock();
    if (wait > 0) { r.running = true; await new Promise((res) => setTimeout(res, wait)); r.running = false; }
    r.running = true;
    r.last = clock();
    const all = r.all || r.changed.size > 500;
    const only = [...r.changed.values()];
    r.all = false;
    r.changed = new Map();
    try {
      if (all) {
        setJobs(await source.jobs());
        setLoaded(true);
      } else if (only.length > 0) {
        const rows = new Map((await source.jobs(only)).map((j) => [keyOf(j), j]));
        setJobs((prev) => {
          const next = prev.map((j) => rows.get(keyOf(j)) ?? j);
          const known = new Set(prev.map(keyOf));
          for (const [k, j] of rows) if (!known.has(k)) next.push(j);
          return next;
        });
      }
      await latest.current.onReloaded(all ? 'all' : only);
    } catch (err) {
      r.all = true; // what failed to load is reloaded next time
      latest.current.onError(`Could not load jobs: ${(err as Error).message}`);
    } finally {
      r.running = false;
      if (r.again) { r.again = false; void refresh([]); }
    }
  }, [source]);

  useEffect(() => {
    void refresh();
    return source.watch((changed) => void refresh(changed), (l) => setLink(l));
  }, [source, refresh]);

  return { jobs, link, loaded, refresh };
}
