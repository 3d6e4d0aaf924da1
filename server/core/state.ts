// The judged state of a job, the events that move it, and what a step owes (timeline entries and
// alerts). Times are epoch milliseconds, so the state stores as plain JSON and compares without
// parsing.
import type { JobSpec } from '../../schema/types.js';
import type { Health, Status } from '../../schema/vocabulary.js';

/** How a run's start was judged against the schedule. */
export interface RunTiming {
  onTime: boolean;
  /** The scheduled time the run paid, if any. */
  due: number | null;
  /** "on time for the run due 03:00 UTC" or "ran 03:47, outside its window 02:55–03:05". */
  reason: string;
}

export interface OpenRun {
  id: string;
  rid: string | null;
  startedAt: number;
  host: string | null;
  timing: RunTiming;
  overrunning: boolean;
}

export interface LastRun {
  startedAt: number | null;
  finishedAt: number;
  exitCode: number | null;
  durationMs: number | null;
  outcome: Health;
  /** The run id its finish carried, so that its start arriving late cannot open it again (absent in states from before). */
  rid?: string | null;
}

export interface JobState {
  status: Status;
  health: Health | null;
  /** The scheduled time of the next run the job owes; null while paused. */
  due: number | null;
  /** When that run is missing: due + grace, or later when extended after Pakyas was unavailable. */
  deadline: number | null;
  /** A run marked missing with no run since: the next off-window run is that one, late (SPEC §2 rule 2). */
  missedDue: number | null;
  /** Runs owed while Pakyas was unavailable, neither paid nor called missing (newest last). */
  unjudged: number[];
  openRuns: OpenRun[];
  lastRun: LastRun | null;
  lastSignalAt: number | null;
  /** Consecutive bad outcomes, for alert_after. */
  badStreak: number;
  /** The health that was last alerted and has not recovered yet. */
  alerted: Health | null;
  paused: { since: number; reason: string | null; until: number | null; by: string | null } | null;
  /** The newest outcomes, oldest first, for the dashboard's history strip. */
  history: Array<{ at: number; outcome: Health }>;
}

export interface SignalEvent {
  type: 'signal';
  kind: 'start' | 'success' | 'fail' | 'log';
  /** When it happened: the server's receipt time, or the sender's time for a replayed signal. */
  at: number;
  rid?: string | null;
  exitCode?: number | null;
  durationMs?: number | null;
  host?: string | null;
  /** For log signals: the message (the first line of the body). */
  message?: string | null;
  /** The end of the job's output sent with the signal (the body), for the alerts of the run it finishes. */
  output?: string | null;
  replayed?: boolean;
}

export type JobEvent =
  | SignalEvent
  | { type: 'deadline'; due: number; deadline: number }
  | { type: 'overrun'; runId: string }
  | { type: 'pause'; reason?: string | null; until?: number | null; by?: string | null }
  | { type: 'resume'; reason?: string | null; by?: string | null; auto?: { until: number } }
  | { type: 'config'; previous: JobSpec | null; revision: number; commit: string | null; changes: string[] };

export type TimelineKind = 'signal' | 'transition' | 'missed' | 'check' | 'config' | 'pause' | 'log' | 'alert';

export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  message: string;
  /**
   * Evidence. `signal` (its kind) marks the entry a signal wrote itself: the store links the entry
   * to that signal, so a timeline can show the output the signal carried under it.
   */
  data?: Record<string, unknown>;
}

export type Transition = 'failed' | 'missing' | 'overrunning' | 'late' | 'recovered';

export interface AlertIntent {
  transition: Transition;
  /** The state it left: `pending` for a job's first judgement, never null. */
  from: Health | 'pending';
  to: Health;
  at: number;
  /** One sentence that says why, with the evidence. */
  reason: string;
  evidence: Record<string, unknown>;
}

export interface Step {
  state: JobState;
  timeline: TimelineEntry[];
  alerts: AlertIntent[];
}

/**
 * A deep copy of a state, which holds JSON values only. step() copies the state it is given
 * before changing it; structuredClone took a tenth of the server's CPU under signal load, this
 * a tenth of that (bench/ingest.mjs, docs/performance.md).
 */
export function cloneState(state: JobState): JobState {
  return cloneJson(state);
}

function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = cloneJson((value as Record<string, unknown>)[key]);
  return out as T;
}

export function emptyState(): JobState {
  return {
    status: 'pending', health: null, due: null, deadline: null, missedDue: null, unjudged: [], openRuns: [],
    lastRun: null, lastSignalAt: null, badStreak: 0, alerted: null, paused: null, history: [],
  };
}

export function statusOf(s: JobState): Status {
  if (s.paused) return 'paused';
  if (s.openRuns.some((r) => r.overrunning)) return 'overrunning';
  if (s.openRuns.length > 0) return 'running';
  return s.health ?? 'pending';
}

/**
 * When the job next needs looking at with no signal: its deadline, the overrun of its open runs,
 * or the end of its pause. The shell keeps one wake-up per job at this time (store little,
 * derive the rest), instead of one queued check per signal.
 */
export function nextCheckAt(job: Pick<JobSpec, 'maxDurationSeconds'>, s: JobState): number | null {
  const times: number[] = [];
  if (s.paused) {
    if (s.paused.until !== null) times.push(s.paused.until);
  } else {
    if (s.deadline !== null) times.push(s.deadline);
    for (const r of s.openRuns) if (!r.overrunning) times.push(r.startedAt + job.maxDurationSeconds * 1000);
  }
  return times.length ? Math.min(...times) : null;
}

/** The events a wake-up at `now` judges: each deadline, overrun or pause end that has come. */
export function dueEvents(job: Pick<JobSpec, 'maxDurationSeconds'>, s: JobState, now: number): JobEvent[] {
  if (s.paused) return s.paused.until !== null && s.paused.until <= now ? [{ type: 'resume', auto: { until: s.paused.until } }] : [];
  const events: JobEvent[] = [];
  for (const r of s.openRuns) {
    if (!r.overrunning && r.startedAt + job.maxDurationSeconds * 1000 <= now) events.push({ type: 'overrun', runId: r.id });
  }
  if (s.due !== null && s.deadline !== null && s.deadline <= now) events.push({ type: 'deadline', due: s.due, deadline: s.deadline });
  return events;
}
