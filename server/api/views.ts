// What the API returns about jobs: state ids of SPEC §1 and ISO-8601 UTC times (SPEC §7).
import { formatDuration } from '../../schema/duration.js';
import type { Health, Status } from '../../schema/vocabulary.js';
import type { JobRow } from '../db/jobs.js';
import type { TimelineRow } from '../db/timeline.js';

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

export interface JobView {
  project: string;
  job: string;
  /**
   * For Healthchecks-style URLs: /ping/{uuid}. Null for a token that may only read: the UUID adds
   * signals, as the ping key does, which such a token is not given either.
   */
  uuid: string | null;
  state: Status;
  health: Health | null;
  lastRun: { startedAt: string | null; finishedAt: string; exitCode: number | null; durationMs: number | null; outcome: Health } | null;
  due: string | null;
  deadline: string | null;
  schedule: string;
  timezone: string;
  grace: string;
  maxDuration: string;
  tags: string[];
  description: string | null;
  paused: { since: string; reason: string | null; until: string | null; by: string | null } | null;
  running: Array<{ startedAt: string; rid: string | null; host: string | null; overrunning: boolean }>;
  lastSignalAt: string | null;
  history: Array<{ at: string; outcome: Health }>;
}

export function jobView(row: JobRow, mayWrite: boolean): JobView {
  const { spec, state } = row;
  return {
    project: row.project,
    job: row.name,
    uuid: mayWrite ? row.uuid : null,
    state: state.status,
    health: state.health,
    lastRun: state.lastRun && {
      startedAt: iso(state.lastRun.startedAt), finishedAt: iso(state.lastRun.finishedAt)!, exitCode: state.lastRun.exitCode,
      durationMs: state.lastRun.durationMs, outcome: state.lastRun.outcome,
    },
    due: iso(state.due),
    deadline: iso(state.deadline),
    schedule: spec.schedule.kind === 'cron' ? spec.schedule.cron : `every ${formatDuration(spec.schedule.everySeconds)}`,
    timezone: spec.timezone,
    grace: formatDuration(spec.graceSeconds),
    maxDuration: formatDuration(spec.maxDurationSeconds),
    tags: spec.tags,
    description: spec.description,
    paused: state.paused && { since: iso(state.paused.since)!, reason: state.paused.reason, until: iso(state.paused.until), by: state.paused.by },
    running: state.openRuns.map((r) => ({ startedAt: iso(r.startedAt)!, rid: r.rid, host: r.host, overrunning: r.overrunning })),
    lastSignalAt: iso(state.lastSignalAt),
    history: state.history.map((h) => ({ at: iso(h.at)!, outcome: h.outcome })),
  };
}

export interface TimelineView {
  id: number; at: string; kind: string; message: string; data: Record<string, unknown> | null;
  /** The output (the body) of the signal that wrote this entry: as the job sent it, not made safe for a terminal. */
  output: string | null;
  /** How many bytes were cut from the front of that output when it was stored. */
  outputCutBytes: number;
}

export function timelineView(row: TimelineRow): TimelineView {
  return {
    id: row.id, at: new Date(row.at).toISOString(), kind: row.kind, message: row.message, data: row.data,
    output: row.output || null, outputCutBytes: row.output ? row.output_cut_bytes ?? 0 : 0,
  };
}
