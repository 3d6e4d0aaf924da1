// Revisions: each apply that changed something, with where it came from.
import type { Change } from '../core/plan.js';
import type { Queryable } from './port.js';

export interface RevisionSource { commit: string | null; ref: string | null; author: string | null; source: string | null }

export interface RevisionRow {
  number: number;
  content_hash: string;
  commit_sha: string | null;
  ref: string | null;
  author: string | null;
  source: string | null;
  changes: Change[];
  created_at: Date;
}

export async function insertRevision(db: Queryable, projectId: number, number: number, hash: string, from: RevisionSource, changes: Change[]): Promise<void> {
  await db.query(
    `insert into revisions (project_id, number, content_hash, commit_sha, ref, author, source, changes)
     values ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb)`,
    [projectId, number, hash, from.commit, from.ref, from.author, from.source, JSON.stringify(changes)]);
}

export async function listRevisions(db: Queryable, projectId: number, limit: number): Promise<RevisionRow[]> {
  return db.query<RevisionRow>(
    `select number, content_hash, commit_sha, ref, author, source, changes, created_at
     from revisions where project_id = $1 order by number desc limit $2`, [projectId, limit]);
}
