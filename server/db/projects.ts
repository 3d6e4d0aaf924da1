// Projects: the unit that one pakyas.yaml describes, with its ping key and revision counter.
import type { Queryable } from './port.js';

export interface ProjectRow { id: number; name: string; ping_key: string; revision: number; created_at: Date; badge_key: string }

export async function findProjectByName(db: Queryable, name: string): Promise<ProjectRow | null> {
  const [row] = await db.query<ProjectRow>('select id, name, ping_key, revision, created_at, badge_key from projects where name = $1', [name]);
  return row ?? null;
}

export async function listProjects(db: Queryable): Promise<ProjectRow[]> {
  return db.query<ProjectRow>('select id, name, ping_key, revision, created_at, badge_key from projects order by name');
}

export async function insertProject(db: Queryable, name: string, pingKey: string): Promise<ProjectRow> {
  const [row] = await db.query<ProjectRow>(
    'insert into projects (name, ping_key) values ($1, $2) returning id, name, ping_key, revision, created_at, badge_key', [name, pingKey]);
  return row!;
}

/**
 * Serialises applies of one project (and only that project) until the transaction ends: two CI
 * pipelines applying at once take turns instead of interleaving their changes.
 */
export async function lockProjectName(db: Queryable, name: string): Promise<void> {
  await db.query("select pg_advisory_xact_lock(hashtextextended('pakyas:apply:' || $1, 0))", [name]);
}

export async function setProjectRevision(db: Queryable, projectId: number, revision: number): Promise<void> {
  await db.query('update projects set revision = $2 where id = $1', [projectId, revision]);
}
