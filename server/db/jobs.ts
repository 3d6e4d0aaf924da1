// Jobs: each row holds the job's spec (from pakyas.yaml) and its judged state (server/core).
import type { JobSpec } from '../../schema/types.js';
import type { JobState, TimelineEntry } from '../core/state.js';
import type { Queryable } from './port.js';

export interface JobRow {
  id: number;
  project_id: number;
  project: string;
  name: string;
  spec: JobSpec;
  state: JobState;
  updated_at: Date;
  /** The pending wake-up, epoch ms, or null. */
  next_check_at: number | null;
}

const SELECT = `select j.id, j.project_id, p.name as project, j.name, j.spec, j.state, j.updated_at,
  (extract(epoch from j.next_check_at) * 1000)::float8 as next_check_at
  from jobs j join projects p on p.id = j.project_id`;

export async function deleteJob(db: Queryable, projectId: number, name: string): Promise<void> {
  await db.query('delete from jobs where project_id = $1 and name = $2', [projectId, name]);
}

/** Reads a job and locks its row until the transaction ends: every change to a job's state is serial. */
export async function lockJob(db: Queryable, jobId: number): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(`${SELECT} where j.id = $1 for update of j`, [jobId]);
  return row ?? null;
}

export async function lockJobByName(db: Queryable, projectId: number, name: string): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(`${SELECT} where j.project_id = $1 and j.name = $2 for update of j`, [projectId, name]);
  return row ?? null;
}

export async function saveJob(db: Queryable, jobId: number, spec: JobSpec, state: JobState, nextCheckAt: number | null): Promise<void> {
  await db.query(`update jobs set spec = $2::text::jsonb, state = $3::text::jsonb, status = $4, updated_at = now(),
      next_check_at = to_timestamp($5::float8 / 1000) where id = $1`,
    [jobId, JSON.stringify(spec), JSON.stringify(state), state.status, nextCheckAt]);
}

export async function getJob(db: Queryable, projectName: string, jobName: string): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(`${SELECT} where p.name = $1 and j.name = $2`, [projectName, jobName]);
  return row ?? null;
}

/** Jobs with this name in any of the given projects (to resolve a bare JOB). */
export async function findJobsNamed(db: Queryable, jobName: string, projectIds: number[] | null): Promise<JobRow[]> {
  return projectIds === null
    ? db.query<JobRow>(`${SELECT} where j.name = $1 order by p.name`, [jobName])
    : db.query<JobRow>(`${SELECT} where j.name = $1 and j.project_id = any($2::bigint[]) order by p.name`, [jobName, projectIds]);
}

export async function listJobs(db: Queryable, projectIds: number[] | null): Promise<JobRow[]> {
  return projectIds === null
    ? db.query<JobRow>(`${SELECT} order by p.name, j.name`)
    : db.query<JobRow>(`${SELECT} where j.project_id = any($1::bigint[]) order by p.name, j.name`, [projectIds]);
}

/** Just the states, for /metrics: no specs or timelines loaded. */
export async function listJobStatuses(db: Queryable): Promise<Array<{ project: string; job: string; status: string }>> {
  return db.query(`select p.name as project, j.name as job, j.status from jobs j join projects p on p.id = j.project_id order by 1, 2`);
}

/** Many new jobs in one statement (an apply may create thousands); returns their ids by name. */
export async function insertJobs(db: Queryable, projectId: number, rows: Array<{ spec: JobSpec; state: JobState; nextCheckAt: number | null }>): Promise<Map<string, number>> {
  if (rows.length === 0) return new Map();
  const inserted = await db.query<{ id: number; name: string }>(
    `insert into jobs (project_id, name, spec, state, status, next_check_at)
     select $1, r->'spec'->>'name', r->'spec', r->'state', r->'state'->>'status', to_timestamp((r->>'nextCheckAt')::float8 / 1000)
     from jsonb_array_elements($2::text::jsonb) as r
     returning id, name`,
    [projectId, JSON.stringify(rows)]);
  return new Map(inserted.map((r) => [r.name, r.id]));
}

/** The job a ping addresses, locked: the project is found by its ping key in the same statement. */
export async function lockJobByPingKey(db: Queryable, pingKey: string, name: string): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(`${SELECT} where p.ping_key = $1 and j.name = $2 for update of j`, [pingKey, name]);
  return row ?? null;
}

export interface SavedStep {
  jobId: number;
  spec: JobSpec;
  state: JobState;
  timeline: TimelineEntry[];
  /** A signal to store with it (columns of the signals table, times as ISO strings). */
  signal: Record<string, unknown> | null;
  notice: { channel: string; payload: string };
  nextCheckAt: number | null;
}

/**
 * Everything one judgement writes, in one statement: the signal, the timeline entries, the job's
 * new state and the NOTIFY. One round trip instead of four keeps the job's row lock short.
 */
export async function saveStep(db: Queryable, s: SavedStep): Promise<void> {
  await db.query(
    `with sig as (
       insert into signals (job_id, kind, received_at, occurred_at, replayed, judged, rid, exit_code, duration_ms, host, user_agent, body, body_cut_bytes)
       select $1, r.kind, r.received_at, r.occurred_at, r.replayed, r.judged, r.rid, r.exit_code, r.duration_ms, r.host, r.user_agent, r.body, r.body_cut_bytes
       from jsonb_populate_record(null::signals, $5::text::jsonb) as r where $5::text is not null
       returning id),
     tl as (
       insert into timeline (job_id, at, kind, message, data)
       select $1, to_timestamp((e->>'at')::float8 / 1000), e->>'kind', e->>'message', e->'data'
       from jsonb_array_elements($4::text::jsonb) as e
       returning id),
     n as (select pg_notify($6, $7))
     update jobs set spec = $2::text::jsonb, state = $3::text::jsonb, status = $8, updated_at = now(),
       next_check_at = to_timestamp($9::float8 / 1000)
     from n where jobs.id = $1`,
    [s.jobId, JSON.stringify(s.spec), JSON.stringify(s.state), JSON.stringify(s.timeline), s.signal ? JSON.stringify(s.signal) : null, s.notice.channel, s.notice.payload, s.state.status, s.nextCheckAt]);
}

/** Jobs whose wake-up is overdue: after a crash, the worker holding it may be gone. */
export async function overdueWakeups(db: Queryable, olderThanMs: number): Promise<Array<{ jobId: number; at: number }>> {
  return db.query(
    `select id as "jobId", (extract(epoch from next_check_at) * 1000)::float8 as at
     from jobs where next_check_at < now() - make_interval(secs => $1::float8 / 1000)`, [olderThanMs]);
}
