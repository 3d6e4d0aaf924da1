// Live updates: a NOTIFY per changed job, delivered on commit to every server process listening
// on the same database (the dashboard's subscription listens).
import type { Queryable } from './port.js';

export const CHANGES_CHANNEL = 'pakyas_changes';

export interface ChangeNotice { project: string; job: string; status: string }

export async function notifyChange(db: Queryable, notice: ChangeNotice): Promise<void> {
  await db.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(notice)]);
}
