// Whether the database answers at all, for /healthz.
import type { Queryable } from './port.js';

export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('select 1');
}
