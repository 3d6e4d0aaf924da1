// The timeline: why a job is in its state, one entry per meaningful moment.
import type { TimelineEntry } from '../core/state.js';
import type { Queryable } from './port.js';

export interface TimelineRow { id: number; at: Date; kind: string; message: string; data: Record<string, unknown> | null }

/** Newest first; `before` is the id of the last entry of the previous page. */
export async function listTimeline(db: Queryable, jobId: number, limit: number, before: number | null): Promise<TimelineRow[]> {
  return db.query<TimelineRow>(
    `select id, at, kind, message, data from timeline
     where job_id = $1 and ($3::bigint is null or id < $3) order by id desc limit $2`,
    [jobId, limit, before]);
}

/** The timelines of many jobs in one statement (an apply touches many jobs at once). */
export async function insertTimelineMany(db: Queryable, rows: Array<{ jobId: number; entries: TimelineEntry[] }>): Promise<void> {
  const flat = rows.flatMap((r) => r.entries.map((e) => ({ ...e, jobId: r.jobId })));
  if (flat.length === 0) return;
  await db.query(
    `insert into timeline (job_id, at, kind, message, data)
     select (e->>'jobId')::bigint, to_timestamp((e->>'at')::float8 / 1000), e->>'kind', e->>'message', e->'data'
     from jsonb_array_elements($1::text::jsonb) as e`,
    [JSON.stringify(flat)]);
}
