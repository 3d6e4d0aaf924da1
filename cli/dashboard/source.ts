// Where the dashboard's data comes from: tRPC queries, and a subscription over Server-Sent Events
// that says which jobs changed. Anything a server on the same database commits arrives here too.
import { EventSource } from 'eventsource';
import { createClient, type JobView, type TimelineEntry } from '../client.js';
import type { Connection } from '../connection.js';

export type Link = 'connecting' | 'live' | 'reconnecting';
/** A job that changed; `job` is '*' when a project's configuration changed (jobs may have come or gone). */
export interface Changed { project: string; job: string }

export interface DashboardSource {
  /** Every job; or, with `only`, just those (the ones that changed). */
  jobs(only?: Changed[]): Promise<JobView[]>;
  timeline(project: string, job: string): Promise<TimelineEntry[]>;
  pause(project: string, job: string): Promise<void>;
  resume(project: string, job: string): Promise<void>;
  /**
   * Calls `onChange` with the jobs that changed, or with nothing when anything may have (on
   * connecting, after a drop); `onLink` when the live connection drops or returns.
   */
  watch(onChange: (changed?: Changed[]) => void, onLink: (link: Link, error?: string) => void): () => void;
}

export function serverSource(conn: Connection): DashboardSource {
  const client = createClient(conn, { eventSource: EventSource });
  return {
    jobs: (only) => client.jobs.list.query(only ? { only } : undefined),
    timeline: async (project, job) => (await client.jobs.timeline.query({ project, job, limit: 200 })).entries,
    pause: async (project, job) => { await client.jobs.pause.mutate({ project, job, reason: 'paused from the dashboard' }); },
    resume: async (project, job) => { await client.jobs.resume.mutate({ project, job, reason: 'resumed from the dashboard' }); },
    watch(onChange, onLink) {
      let dropped = false;
      const sub = client.jobs.changes.subscribe(undefined, {
        onStarted: () => { onLink('live'); onChange(); },
        onData: (notices) => onChange(notices.map(({ project, job }) => ({ project, job }))),
        onError: (err) => { dropped = true; onLink('reconnecting', err.message); },
        onConnectionStateChange: (s) => {
          // 'connecting' after a drop, 'pending' once the stream is open again.
          if (s.state === 'connecting' && s.error) { dropped = true; onLink('reconnecting', s.error.message); }
          if (s.state === 'pending') {
            onLink('live');
            // Changes made while the stream was down were missed: reload everything.
            if (dropped) { dropped = false; onChange(); }
          }
        },
      });
      return () => sub.unsubscribe();
    },
  };
}
