// Job UUIDs (migration 008): what a Healthchecks-style URL, /ping/{uuid}, names.
import type { JobSpec } from '../../schema/types.js';
import type { Queryable } from './port.js';

/** The job a UUID names, as the signal path addresses jobs: by its project's ping key and its name. */
export async function findJobByUuid(db: Queryable, uuid: string): Promise<{ pingKey: string; name: string } | null> {
  const [row] = await db.query<{ ping_key: string; name: string }>(
    'select p.ping_key, j.name from jobs j join projects p on p.id = j.project_id where j.uuid = $1::uuid', [uuid]);
  return row ? { pingKey: row.ping_key, name: row.name } : null;
}

export async function listJobUuids(db: Queryable, projectId: number, names: string[]): Promise<Array<{ job: string; uuid: string }>> {
  if (names.length === 0) return [];
  return db.query<{ job: string; uuid: string }>(
    'select name as job, uuid::text as uuid from jobs where project_id = $1 and name = any($2::text[]) order by name', [projectId, names]);
}

export class UuidTakenError extends Error {
  constructor(readonly uuid: string, readonly job: string, readonly holder: { project: string; job: string }) {
    super(`job ${job}: uuid ${uuid} is already the UUID of job ${holder.project}/${holder.job}; a UUID names one job on the server, so declare another (or remove it from ${holder.project}/${holder.job} first)`);
  }
}

/**
 * Gives each job the UUID the file declares for it, in one statement, then refuses the apply if
 * any of those UUIDs is also another job's (the uniqueness constraint is checked at commit, so
 * that one apply can move or swap UUIDs between its own jobs). A job that declares none keeps
 * the one it has.
 */
export async function claimDeclaredUuids(db: Queryable, projectId: number, jobs: JobSpec[]): Promise<string[]> {
  const declared = jobs.filter((j) => j.uuid !== undefined).map((j) => ({ name: j.name, uuid: j.uuid! }));
  if (declared.length === 0) return [];
  const changed = await db.query<{ name: string }>(
    `update jobs set uuid = d.uuid::uuid from jsonb_to_recordset($2::text::jsonb) as d(name text, uuid text)
     where jobs.project_id = $1 and jobs.name = d.name and jobs.uuid <> d.uuid::uuid
     returning jobs.name`,
    [projectId, JSON.stringify(declared)]);
  const [clash] = await db.query<{ uuid: string; declared_by: string; project: string; job: string }>(
    `select j.uuid::text as uuid, d.name as declared_by, p.name as project, j.name as job
     from jsonb_to_recordset($2::text::jsonb) as d(name text, uuid text)
     join jobs j on j.uuid = d.uuid::uuid join projects p on p.id = j.project_id
     where not (j.project_id = $1 and j.name = d.name)
     order by d.name limit 1`,
    [projectId, JSON.stringify(declared)]);
  if (clash) throw new UuidTakenError(clash.uuid, clash.declared_by, { project: clash.project, job: clash.job });
  return changed.map((r) => r.name);
}
