// Live updates: the server's change feed (jobs.changes over Server-Sent Events) says which jobs
// changed; the page then asks for just those, at most every 250 ms, as the dashboard does. On
// connecting, after a drop and after a configuration change it reloads every job.
import { useEffect, useRef, useState } from 'react';
import { api, errorText, isUnauthorized, type Job } from './api.js';

export type Link = 'connecting' | 'live' | 'lost';
export interface Changed { project: string; job: string }

interface Listener { onChange: (changed?: Changed[]) => void; onLink: (link: Link, error?: unknown) => void }
const listeners = new Set<Listener>();
let current: Link = 'connecting';
let close: (() => void) | null = null;

/**
 * Calls `onChange` with what changed, or with nothing when anything may have (on connecting, after
 * a drop); `onLink` as the stream drops and returns. One stream per page, however many listen: a
 * browser opens at most six connections to a server over HTTP/1.1, and a stream holds one.
 */
export function watchChanges(onChange: Listener['onChange'], onLink: Listener['onLink']): () => void {
  const l: Listener = { onChange, onLink };
  listeners.add(l);
  if (close === null) open();
  else {
    onLink(current);
    if (current === 'live') onChange();
  }
  return () => {
    listeners.delete(l);
    if (listeners.size === 0) shut();
  };
}

function open(): void {
  let dropped = false;
  const link = (to: Link, error?: unknown) => { current = to; for (const l of [...listeners]) l.onLink(to, error); };
  const change = (changed?: Changed[]) => { for (const l of [...listeners]) l.onChange(changed); };
  const sub = api.jobs.changes.subscribe(undefined, {
    onStarted: () => { link('live'); change(); },
    onData: (notices) => change(notices.map(({ project, job }) => ({ project, job }))),
    onError: (err) => { dropped = true; link('lost', err); },
    onConnectionStateChange: (s) => {
      if (s.state === 'connecting' && s.error) { dropped = true; link('lost', s.error); }
      if (s.state === 'pending') {
        link('live');
        if (dropped) { dropped = false; change(); }
      }
    },
  });
  close = () => sub.unsubscribe();
}

function shut(): void {
  close?.();
  close = null;
  current = 'connecting';
}

// A page left for another (or kept in the back-forward cache) gives its connection back, and
// takes a new one, reloading everything, when it is shown again.
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', () => { if (close) { close(); close = null; current = 'connecting'; } });
  window.addEventListener('pageshow', (e) => { if (e.persisted && listeners.size > 0 && close === null) open(); });
}

const key = (j: { project: string; job: string }) => `${j.project}/${j.job}`;
const RELOAD_EVERY_MS = 250;

/** Every job the session can read, kept current. */
export function useLiveJobs(onSignedOut: () => void): { jobs: Job[] | null; link: Link; error: string | null } {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [link, setLink] = useState<Link>('connecting');
  const [error, setError] = useState<string | null>(null);
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;

  useEffect(() => {
    let stopped = false;
    const byKey = new Map<string, Job>();
    let pending: Map<string, Changed> | 'all' | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let lastLoad = 0;
    let loading = false;

    const fail = (err: unknown) => {
      if (isUnauthorized(err)) signedOut.current();
      else setError(errorText(err));
    };
    const publish = () => { if (!stopped) setJobs([...byKey.values()]); };
    const load = async () => {
      timer = null;
      if (loading) return schedule();
      const what = pending;
      pending = null;
      if (what === null) return;
      loading = true;
      lastLoad = Date.now();
      try {
        if (what === 'all') {
          const all = await api.jobs.list.query();
          performance.mark('pakyas:jobs-loaded', { detail: all.length });
          byKey.clear();
          for (const j of all) byKey.set(key(j), j);
        } else {
          const only = [...what.values()];
          const fresh = await api.jobs.list.query({ only });
          for (const c of only) byKey.delete(key(c)); // a job not returned is gone
          for (const j of fresh) byKey.set(key(j), j);
        }
        setError(null);
        publish();
      } catch (err) {
        fail(err);
        pending = what === 'all' || pending === 'all' ? 'all' : new Map([...what, ...(pending ?? [])]);
        lastLoad = Date.now() + 2000; // the server is away or refusing: ask again in a while, not at once
        schedule();
      } finally {
        loading = false;
      }
    };
    const schedule = () => {
      if (timer === null && !stopped) timer = setTimeout(() => void load(), Math.max(0, lastLoad + RELOAD_EVERY_MS - Date.now()));
    };
    const stop = watchChanges((changed) => {
      if (!changed || changed.some((c) => c.job === '*')) pending = 'all';
      else if (pending !== 'all') {
        pending ??= new Map();
        for (const c of changed) pending.set(key(c), c);
        if (pending.size > 1000) pending = 'all';
      }
      schedule();
    }, (l, err) => {
      setLink(l);
      if (l === 'lost' && err !== undefined && isUnauthorized(err)) signedOut.current();
    });
    return () => { stopped = true; stop(); if (timer) clearTimeout(timer); };
  }, []);
  return { jobs, link, error };
}

/** A clock for relative times ("12s ago"), ticking every `ms`. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
