// What the web view's job page reads beyond the job itself: the entries that say why it is in its
// state, its outcomes over the last days, its revision (its timeline is server/db/timeline.ts's).
import type { OutcomeRow } from '../core/history.js';
import type { Queryable } from './port.js';
import type { TimelineRow } from './timeline.js';

/** The newest transition, pause and check entry of a job (each by the index, newest first). */
export async function latestReasons(db: Queryable, jobId: number): Promise<TimelineRow[]> {
  return db.query<TimelineRow>(
    `select e.id, e.at, e.kind, e.message, e.data from unnest(array['transition', 'pause', 'check']) as k(kind)
     cross join lateral (select id, at, kind, message, data from timeline where job_id = $1 and kind = k.kind order by id desc limit 1) e`,
    [jobId]);
}

/** The entries that may record an outcome since `since` (epoch ms), oldest first, and the health before them. */
export async function outcomeRows(db: Queryable, jobId: number, since: number, limit: number): Promise<{ rows: OutcomeRow[]; healthBefore: string | null }> {
  const rows = await db.query<OutcomeRow>(
    `select (extract(epoch from at) * 1000)::float8 as at, kind, data->>'to' as "to",
       coalesce(data ? 'finishedAt', false) as finished, coalesce(data ? 'maxDurationMs', false) as overran,
       coalesce(data ? 'due', false) as missed,
       (data->>'durationMs')::float8 as "durationMs", (data->>'exitCode')::int as "exitCode"
     from timeline where job_id = $1 and at >= to_timestamp($2::float8 / 1000) and kind in ('transition', 'signal', 'missed')
     order by id desc limit $3`,
    [jobId, since, limit]);
  rows.reverse();
  const [before] = await db.query<{ to: string }>(
    `select data->>'to' as "to" from timeline where job_id = $1 and kind = 'transition' and at < to_timestamp($2::float8 / 1000)
     order by id desc limit 1`, [jobId, since]);
  return { rows, healthBefore: before?.to ?? null };
}

export interface RevisionSummary { number: number; commit_sha: string | null; ref: string | null; author: string | null; created_at: Date }

/** The newest revision of the project, and the newest that changed this job. */
export async function jobRevisions(db: Queryable, projectId: number, job: string): Promise<{ current: RevisionSummary | null; changed: RevisionSummary | null }> {
  const cols = 'number, commit_sha, ref, author, created_at';
  const [current] = await db.query<RevisionSummary>(`select ${cols} from revisions where project_id = $1 order by number desc limit 1`, [projectId]);
  const [changed] = await db.query<RevisionSummary>(
    `select ${cols} from revisions where project_id = $1 and changes @> $2::text::jsonb order by number desc limit 1`,
    [projectId, JSON.stringify([{ kind: 'job', name: job }])]);
  return { current: current ?? null, changed: changed ?? null };
}
