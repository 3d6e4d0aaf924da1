// Live updates: a NOTIFY per changed job, delivered on commit to every server process listening
// on the same database (the dashboard's subscription listens).
import type { Queryable } from './port.js';

export const CHANGES_CHANNEL = 'pakyas_changes';

export interface ChangeNotice { project: string; job: string; status: string }

/** The payload of a change notice; saveSteps sends it in the same statement as the state. */
export function changePayload(notice: ChangeNotice): string {
  return JSON.stringify(notice);
}

export async function notifyChange(db: Queryable, notice: ChangeNotice): Promise<void> {
  await db.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, changePayload(notice)]);
}
