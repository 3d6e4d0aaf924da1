// Jobs: each row holds the job's spec (from pakyas.yaml) and its judged state (server/core).
import type { JobSpec } from '../../schema/types.js';
import type { JobState } from '../core/state.js';
import type { Queryable } from './port.js';

export interface JobRow {
  id: number;
  project_id: number;
  project: string;
  name: string;
  spec: JobSpec;
  state: JobState;
  updated_at: Date;
}

const SELECT = `select j.id, j.project_id, p.name as project, j.name, j.spec, j.state, j.updated_at
  from jobs j join projects p on p.id = j.project_id`;

export async function insertJob(db: Queryable, projectId: number, spec: JobSpec, state: JobState): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `insert into jobs (project_id, name, spec, state, status) values ($1, $2, $3::text::jsonb, $4::text::jsonb, $5) returning id`,
    [projectId, spec.name, JSON.stringify(spec), JSON.stringify(state), state.status]);
  return row!.id;
}

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

export async function saveJob(db: Queryable, jobId: number, spec: JobSpec, state: JobState): Promise<void> {
  await db.query('update jobs set spec = $2::text::jsonb, state = $3::text::jsonb, status = $4, updated_at = now() where id = $1',
    [jobId, JSON.stringify(spec), JSON.stringify(state), state.status]);
}

export async function getJob(db: Queryable, projectName: string, jobName: string): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(`${SELECT} where p.name = $1 and j.name = $2`, [projectName, jobName]);
  return row ?? null;
}

export async function getJobById(db: Queryable, jobId: number): Promise<JobRow | null> {
  const [row] = await db.query<JobRow>(`${SELECT} where j.id = $1`, [jobId]);
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
