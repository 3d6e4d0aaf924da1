// Jobs: each row holds the job's spec (from pakyas.yaml) and its judged state (server/core).
import type { JobSpec } from '../../schema/types.js';
import type { JobState, TimelineEntry } from '../core/state.js';
import type { Queryable } from './port.js';

export interface JobRow {
  id: number;
  project_id: number;
  project: string;
  /** The project's ping key, which signals address the job by. */
  ping_key: string;
  name: string;
  spec: JobSpec;
  state: JobState;
  updated_at: Date;
  /** The pending wake-up, epoch ms, or null. */
  next_check_at: number | null;
  /** For Healthchecks-style URLs, /ping/{uuid} (migration 008). */
  uuid: string;
  /**
   * The row's version: Postgres's xmin, which every update of the row changes (locking it does
   * not). A write that names it changes the row only if nobody has since (saveSteps).
   */
  version: string;
}

const SELECT = `select j.id, j.project_id, p.name as project, p.ping_key, j.name, j.spec, j.state, j.updated_at, j.uuid::text as uuid, j.xmin::text as version,
  (extract(epoch from j.next_check_at) * 1000)::float8 as next_check_at
  from jobs j join projects p on p.id = j.project_id`;

export async function deleteJob(db: Queryable, projectId: number, name: string): Promise<void> {
  await db.query('delete from jobs where project_id = $1 and name = $2', [projectId, name]);
}

/**
 * Reads jobs and locks their rows until the transaction ends: every change to a job's state is
 * serial. Rows are locked in id order, as every statement that locks several jobs does, so that
 * two of them wait for each other instead of deadlocking.
 */
export async function lockJobs(db: Queryable, jobIds: number[]): Promise<JobRow[]> {
  return db.query<JobRow>(`${SELECT} where j.id = any(array(select jsonb_array_elements_text($1::text::jsonb)::bigint)) order by j.id for update of j`,
    [JSON.stringify(jobIds)]);
}

/** The named jobs of a project, locked in one statement, in id order like every statement that locks several jobs. */
export async function lockJobsByName(db: Queryable, projectId: number, names: string[]): Promise<JobRow[]> {
  if (names.length === 0) return [];
  return db.query<JobRow>(
    `${SELECT} where j.project_id = $1 and j.name = any(array(select jsonb_array_elements_text($2::text::jsonb))) order by j.id for update of j`,
    [projectId, JSON.stringify(names)]);
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

/** The named jobs, of the given projects (all when null): what a live view reloads after a change. */
export async function listJobsByName(db: Queryable, refs: Array<{ project: string; job: string }>, projectIds: number[] | null): Promise<JobRow[]> {
  if (refs.length === 0) return [];
  return db.query<JobRow>(
    `${SELECT} where (p.name, j.name) in (select * from unnest($1::text[], $2::text[]))
       and ($3::bigint[] is null or j.project_id = any($3::bigint[]))`,
    [refs.map((r) => r.project), refs.map((r) => r.job), projectIds]);
}

/** Just the states, for /metrics: no specs or timelines loaded. */
export async function listJobStatuses(db: Queryable): Promise<Array<{ project: string; job: string; status: string }>> {
  return db.query(`select p.name as project, j.name as job, j.status from jobs j join projects p on p.id = j.project_id order by 1, 2`);
}

/**
 * Many new jobs in one statement (an apply may create thousands), with no wake-up yet: the caller
 * judges them next, as it judges every job, and saves what that step leaves. Returned as rows, as
 * a lock would return them (a row just inserted is the transaction's own until it commits).
 */
export async function insertJobs(
  db: Queryable, project: { id: number; name: string; ping_key: string }, rows: Array<{ spec: JobSpec; state: JobState }>,
): Promise<JobRow[]> {
  if (rows.length === 0) return [];
  const inserted = await db.query<{ id: number; name: string; updated_at: Date; uuid: string; version: string }>(
    `insert into jobs (project_id, name, spec, state, status)
     select $1, r->'spec'->>'name', r->'spec', r->'state', r->'state'->>'status'
     from jsonb_array_elements($2::text::jsonb) as r
     returning id, name, updated_at, uuid::text as uuid, xmin::text as version`,
    [project.id, JSON.stringify(rows)]);
  const byName = new Map(rows.map((r) => [r.spec.name, r]));
  return inserted.map(({ id, name, updated_at, uuid, version }) => ({
    id, project_id: project.id, project: project.name, ping_key: project.ping_key, name, uuid, version,
    spec: byName.get(name)!.spec, state: byName.get(name)!.state, updated_at, next_check_at: null,
  }));
}

/**
 * The jobs a batch of pings addresses, locked in one statement. Rows are locked in id order, so
 * two batches that share jobs wait for each other instead of deadlocking. The keys and names are
 * also matched on their own so that the planner uses the indexes.
 */
export async function lockJobsByPingKey(db: Queryable, keys: Array<{ pingKey: string; name: string }>): Promise<JobRow[]> {
  return db.query<JobRow>(
    `${SELECT}
     where p.ping_key = any(array(select jsonb_array_elements_text($1::text::jsonb)))
       and j.name = any(array(select jsonb_array_elements_text($2::text::jsonb)))
       and p.ping_key || '/' || j.name = any(array(select jsonb_array_elements_text($3::text::jsonb)))
     order by j.id for update of j`,
    [JSON.stringify([...new Set(keys.map((k) => k.pingKey))]), JSON.stringify([...new Set(keys.map((k) => k.name))]),
      JSON.stringify(keys.map((k) => `${k.pingKey}/${k.name}`))]);
}

export interface SavedStep {
  jobId: number;
  /**
   * When the row was not locked: the version it was judged from, and the ping key and name it was
   * reached by. The row is written only if it is still at that version and still reached so;
   * otherwise nothing of this step is written. Null for a row this transaction holds locked.
   */
  expected: { version: string; pingKey: string; name: string } | null;
  /** The job's spec when it changed (a config step); otherwise the stored one is kept. */
  spec: JobSpec | null;
  state: JobState;
  timeline: TimelineEntry[];
  /** Signals to store with it (columns of the signals table, times as ISO strings), in order. */
  signals: Array<Record<string, unknown>>;
  /** The NOTIFY payload for live views. */
  notice: string;
  nextCheckAt: number | null;
}

/** A row saveSteps wrote, with its new version. */
export interface WrittenRow { id: number; version: string; updated_at: Date }

/**
 * Everything a set of judgements writes, in one statement: the jobs' new states, their signals and
 * timeline entries and a NOTIFY per job. One round trip keeps the rows' locks short, and a batch of
 * signals costs one statement however many jobs it touches. A step with `expected` is written only
 * if its row is unchanged since it was read (see SavedStep); the rows written are returned, and a
 * step whose row is not among them wrote nothing at all.
 */
export async function saveSteps(db: Queryable, channel: string, steps: SavedStep[]): Promise<WrittenRow[]> {
  if (steps.length === 0) return [];
  return db.query<WrittenRow>(
    `with s as (
       select (v->>'jobId')::bigint as job_id, v from jsonb_array_elements($1::text::jsonb) as v),
     upd as (
       update jobs set spec = coalesce(nullif(s.v->'spec', 'null'::jsonb), jobs.spec), state = s.v->'state', status = s.v->'state'->>'status',
         updated_at = now(), next_check_at = to_timestamp((s.v->>'nextCheckAt')::float8 / 1000)
       from s where jobs.id = s.job_id and jobs.id = any(array(select jsonb_array_elements_text($3::text::jsonb)::bigint))
         and (s.v->'expected' = 'null'::jsonb or (jobs.xmin = (s.v->'expected'->>'version')::xid and jobs.name = s.v->'expected'->>'name'
           and exists (select 1 from projects p where p.id = jobs.project_id and p.ping_key = s.v->'expected'->>'pingKey')))
       returning jobs.id, jobs.xmin::text as version, jobs.updated_at),
     ok as (select s.job_id, s.v from s join upd on upd.id = s.job_id),
     sig as (
       insert into signals (job_id, kind, received_at, occurred_at, replayed, judged, rid, exit_code, duration_ms, host, user_agent, body, body_cut_bytes)
       select ok.job_id, r.kind, r.received_at, r.occurred_at, r.replayed, r.judged, r.rid, r.exit_code, r.duration_ms, r.host, r.user_agent, r.body, r.body_cut_bytes
       from ok cross join lateral jsonb_populate_recordset(null::signals, ok.v->'signals') as r),
     tl as (
       insert into timeline (job_id, at, kind, message, data)
       select ok.job_id, to_timestamp((e->>'at')::float8 / 1000), e->>'kind', e->>'message', e->'data'
       from ok cross join lateral jsonb_array_elements(ok.v->'timeline') as e),
     n as (select pg_notify($2, ok.v->>'notice') from ok)
     select id, version, updated_at from upd where (select count(*) from n) >= 0`,
    [JSON.stringify(steps), channel, JSON.stringify(steps.map((s) => s.jobId))]);
}

/**
 * Up to `limit` jobs due to be looked at by `now`, earliest first, locked. Rows another worker
 * holds are skipped, so workers on every replica share a burst of deadlines without waiting for
 * each other (and never wait, so this cannot deadlock with statements that lock in id order).
 */
export async function lockDueJobs(db: Queryable, now: number, limit: number): Promise<JobRow[]> {
  return db.query<JobRow>(
    `${SELECT} where j.id in (
       select id from jobs where next_check_at <= to_timestamp($1::float8 / 1000)
       order by next_check_at limit $2 for update skip locked)
     order by j.id`,
    [now, limit]);
}

/** Every future wake-up, epoch ms: to queue their ticks when upgrading from a version without ticks. */
export async function futureWakeups(db: Queryable): Promise<number[]> {
  const rows = await db.query<{ at: number }>(
    `select distinct (extract(epoch from next_check_at) * 1000)::float8 as at from jobs where next_check_at > now()`);
  return rows.map((r) => r.at);
}

/** Whether any job's wake-up is overdue by more than `olderThanMs`: after a crash, its tick may be gone. */
export async function anyOverdueWakeup(db: Queryable, olderThanMs: number): Promise<boolean> {
  const rows = await db.query(
    `select 1 from jobs where next_check_at < now() - make_interval(secs => $1::float8 / 1000) limit 1`, [olderThanMs]);
  return rows.length > 0;
}

/** The names of the jobs of the given projects (all when null), each with its project: what a typo is compared with. */
export async function listJobNames(db: Queryable, projectIds: number[] | null): Promise<Array<{ project: string; name: string }>> {
  return projectIds === null
    ? db.query(`select p.name as project, j.name from jobs j join projects p on p.id = j.project_id order by 1, 2`)
    : db.query(`select p.name as project, j.name from jobs j join projects p on p.id = j.project_id where j.project_id = any($1::bigint[]) order by 1, 2`, [projectIds]);
}

/** The names of a project's jobs, by its ping key: a signal for an unknown job may be a typo. */
export async function listJobNamesByPingKey(db: Queryable, pingKey: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ name: string }>('select j.name from jobs j join projects p on p.id = j.project_id where p.ping_key = $1 order by 1 limit $2', [pingKey, limit]);
  return rows.map((r) => r.name);
}
