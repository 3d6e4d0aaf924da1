// The timeline: why a job is in its state, one entry per meaningful moment.
import type { Queryable } from './port.js';

export interface TimelineRow {
  id: number; at: Date; kind: string; message: string; data: Record<string, unknown> | null;
  /** The output the signal behind the entry carried (null when none, or when it has been pruned). */
  output: string | null;
  output_cut_bytes: number | null;
}

/**
 * Newest first; `before` is the id of the last entry of the previous page, `since` leaves out
 * entries from before that moment (epoch ms). An entry a signal wrote (data.signal names its kind)
 * brings that signal's output: the job's signal of that kind at the entry's moment, found when
 * read, through the (job_id, id) index from the newest back, so writing a signal costs no link.
 * Entries written before 0.2 name their signal by id (data.signalId).
 */
export async function listTimeline(db: Queryable, jobId: number, limit: number, before: number | null, since: number | null = null): Promise<TimelineRow[]> {
  return db.query<TimelineRow>(
    `select t.id, t.at, t.kind, t.message, t.data, coalesce(o.body, s.body) as output, coalesce(o.body_cut_bytes, s.body_cut_bytes) as output_cut_bytes
     from timeline t
       left join signals s on s.id = (t.data->>'signalId')::bigint and s.job_id = t.job_id
       left join lateral (
         select g.body, g.body_cut_bytes from signals g
         where g.job_id = t.job_id and g.kind = t.data->>'signal'
           and g.occurred_at between t.at - interval '1 millisecond' and t.at + interval '1 millisecond'
         order by g.id desc limit 1) o on t.data ? 'signal' and not t.data ? 'signalId'
     where t.job_id = $1 and ($3::bigint is null or t.id < $3)
       and ($4::float8 is null or t.at >= to_timestamp($4::float8 / 1000))
     order by t.id desc limit $2`,
    [jobId, limit, before, since]);
}
