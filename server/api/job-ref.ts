// JOB or PROJECT/JOB (or --project), resolved among the projects a token can read. The API's
// routers and the plain /ping-key endpoint share it; an unknown name gets the nearest one as a
// suggestion ("no job weekly-reprot; did you mean weekly-report?").
import { closest } from '../../schema/similar.js';
import type { Principal } from '../auth.js';
import { findJobsNamed, getJob, listJobNames, listJobNamesByPingKey, type JobRow } from '../db/jobs.js';
import { findProjectByName } from '../db/projects.js';
import type { Queryable } from '../db/port.js';

export interface JobRef { project?: string | undefined; job: string }

export type Resolved =
  | { ok: true; job: JobRow }
  | { ok: false; code: 'NOT_FOUND' | 'BAD_REQUEST' | 'FORBIDDEN'; message: string };

/** The projects a token may read: all (null) for an admin token, else its one project. */
export function readableProjects(p: Principal): number[] | null {
  return p.admin ? null : p.project_id !== null ? [p.project_id] : [];
}

export async function resolveJobRef(db: Queryable, p: Principal, ref: JobRef): Promise<Resolved> {
  if (ref.project !== undefined) {
    const project = await findProjectByName(db, ref.project);
    if (!project) return { ok: false, code: 'NOT_FOUND', message: `no project ${ref.project}${await hint(db, p, ref.project, 'project')}` };
    if (!p.admin && p.project_id !== project.id) return { ok: false, code: 'FORBIDDEN', message: `this token cannot read project ${project.name}` };
    const job = await getJob(db, ref.project, ref.job);
    if (!job) return { ok: false, code: 'NOT_FOUND', message: `no job ${ref.job} in project ${ref.project}${await hint(db, p, ref.job, 'job', project.id)}` };
    return { ok: true, job };
  }
  const jobs = await findJobsNamed(db, ref.job, readableProjects(p));
  if (jobs.length === 0) return { ok: false, code: 'NOT_FOUND', message: `no job ${ref.job}${await hint(db, p, ref.job, 'job')}` };
  if (jobs.length > 1) {
    return { ok: false, code: 'BAD_REQUEST', message: `job ${ref.job} exists in projects ${jobs.map((j) => j.project).join(', ')}; name it PROJECT/${ref.job} or pass --project` };
  }
  return { ok: true, job: jobs[0]! };
}

/** "; did you mean weekly-report?" when a name the token can read is near enough to be meant. */
async function hint(db: Queryable, p: Principal, wanted: string, kind: 'job' | 'project', projectId?: number): Promise<string> {
  const visible = projectId !== undefined ? [projectId] : readableProjects(p);
  const rows = await listJobNames(db, visible);
  const names = kind === 'project' ? [...new Set(rows.map((r) => r.project))] : rows.map((r) => r.name);
  const near = closest(wanted, names);
  if (!near) return '';
  if (kind === 'project') return `; did you mean ${near}?`;
  const owners = rows.filter((r) => r.name === near).map((r) => r.project);
  return projectId === undefined && owners.length === 1 && visible === null ? `; did you mean ${near} (in project ${owners[0]})?` : `; did you mean ${near}?`;
}

/** Past this many jobs in a project, a 404 gives no "did you mean": its cost would grow with the project. */
const HINT_NAMES = 1000;

/**
 * What a signal for an unknown job is told: the nearest name of the key's project when one is
 * near enough to be a typo. The key is the project's credential, so its job names are no secret
 * to whoever holds it; an unknown key learns nothing.
 */
export async function unknownJobText(db: Queryable, pingKey: string, job: string): Promise<string> {
  // Bounded: a 404 is cheap to send, and a hint compares the name with every name read here.
  const names = await listJobNamesByPingKey(db, pingKey, HINT_NAMES + 1);
  const near = names.length <= HINT_NAMES ? closest(job, names) : null;
  // Monitors are code: a job nobody declared is not created by its signal (docs/migrating.md).
  return `Not found: no job '${job.slice(0, 64)}' for this ping key${near ? `; did you mean '${near}'?` : '; declare it under jobs: in pakyas.yaml and run pakyas apply'}\n`;
}
