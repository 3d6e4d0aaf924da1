// Badge keys: a per-project value that reads job states and nothing else (server/badges.ts).
import type { Queryable } from './port.js';

export async function getBadgeKey(db: Queryable, projectId: number): Promise<string> {
  const [row] = await db.query<{ badge_key: string }>('select badge_key from projects where id = $1', [projectId]);
  return row!.badge_key;
}

/** A new key from the column's default; badges published with the old one stop answering. */
export async function rotateBadgeKey(db: Queryable, projectId: number): Promise<string> {
  const [row] = await db.query<{ badge_key: string }>('update projects set badge_key = default where id = $1 returning badge_key', [projectId]);
  return row!.badge_key;
}

/** The states of the job named `name`, or else of the jobs tagged `name`, in the key's project. */
export async function badgeStates(db: Queryable, badgeKey: string, name: string): Promise<Array<{ name: string; status: string; tagged: boolean }>> {
  return db.query(
    `select j.name, j.status, j.spec->'tags' @> jsonb_build_array($2::text) as tagged
     from jobs j join projects p on p.id = j.project_id
     where p.badge_key = $1 and (j.name = $2 or j.spec->'tags' @> jsonb_build_array($2::text))`,
    [badgeKey, name]);
}
