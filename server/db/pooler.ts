// What a transaction pooler between the server and Postgres cannot be trusted to get right by
// itself, checked once at start (docs/postgres.md): that the pooled connections see the same
// tables as the direct one, and that a NOTIFY sent through one is heard on the other.
import { randomBytes } from 'node:crypto';
import type { Database } from './port.js';

const CHECK_CHANNEL = 'pakyas_pooler_check';
const HEAR_WITHIN_MS = 5000;

async function currentSchema(db: Database): Promise<string | null> {
  return (await db.query<{ schema: string | null }>('select current_schema() as schema'))[0]?.schema ?? null;
}

/**
 * Returns what is wrong, or null. `pooled` is DATABASE_URL through the pooler, `session` the direct
 * connection (PAKYAS_DATABASE_DIRECT_URL); migrations have run on the session, so the schema exists.
 */
export async function checkPooler(pooled: Database, session: Database, schema: string | undefined): Promise<string | null> {
  const want = await currentSchema(session);
  const got = await currentSchema(pooled);
  if (got !== want) {
    // The pooler passes no search_path on from the client: its server connections must have it.
    const name = schema ?? want ?? 'public';
    return `through DATABASE_URL (a transaction pooler, as PAKYAS_DATABASE_DIRECT_URL is set) the tables are looked up in ${got === null ? 'no existing schema' : `schema "${got}"`}, `
      + `not "${want}" as through PAKYAS_DATABASE_DIRECT_URL. A pooler in transaction mode keeps no search_path per client: give its server connections one, `
      + `with connect_query='SET search_path = ${name}' on the database's line in pgbouncer.ini, or ALTER ROLE <the role> IN DATABASE <the database> SET search_path = ${name} `
      + `(docs/postgres.md); and check that both URLs reach the same database`;
  }
  // Live updates are sent through the pooler and heard on the session: both must be one database.
  const token = randomBytes(8).toString('hex');
  let heard: () => void = () => {};
  const arrived = new Promise<boolean>((resolve) => {
    heard = () => resolve(true);
    setTimeout(() => resolve(false), HEAR_WITHIN_MS).unref();
  });
  const unlisten = await session.listen(CHECK_CHANNEL, (payload) => { if (payload === token) heard(); });
  try {
    await pooled.query('select pg_notify($1, $2)', [CHECK_CHANNEL, token]);
    if (!(await arrived)) {
      return `a notification sent through DATABASE_URL was not heard through PAKYAS_DATABASE_DIRECT_URL within ${HEAR_WITHIN_MS / 1000} s: `
        + 'the two must reach the same database (DATABASE_URL through the pooler, the direct URL without it)';
    }
  } finally {
    await unlisten();
  }
  return null;
}
