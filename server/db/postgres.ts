// The postgres.js adapter: a pool against a real Postgres server (DATABASE_URL), directly or through
// a pooler in transaction mode (docs/postgres.md).
import postgres from 'postgres';
import type { Database, Queryable } from './port.js';

export interface PostgresOptions {
  url: string;
  /** A schema to create and use instead of public (tests use one per file). */
  schema?: string;
  max?: number;
  /**
   * Set when `url` is a pooler in transaction mode (PgBouncer's pool_mode = transaction), where
   * each transaction may run on a different server connection: nothing of a session survives it.
   * `session` is a direct connection to the same database, for what needs one: LISTEN. It is
   * closed with this one.
   */
  pooled?: { session: Database };
}

/** An array as a Postgres array literal: every element quoted, so text and numbers alike. */
function arrayLiteral(xs: unknown[]): string {
  return `{${xs.map((x) => (x === null ? 'NULL' : `"${String(x).replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
}

// The array parameters of the statements in server/db (text[] and bigint[], by their fixed type
// ids), for connections that do not fetch the array types; none returns an array.
const ARRAY_PARAMETERS = {
  textArray: { to: 1009, from: [] as number[], serialize: arrayLiteral, parse: (x: string) => x },
  bigintArray: { to: 1016, from: [] as number[], serialize: arrayLiteral, parse: (x: string) => x },
};

export function openPostgres(options: PostgresOptions): Database {
  const pooled = options.pooled;
  const sql = postgres(options.url, {
    max: options.max ?? 20,
    // A statement prepared on one server connection is unknown on the next one the pooler hands
    // out ("prepared statement … does not exist"): through a pooler, none is named.
    ...(pooled ? { prepare: false } : {}),
    onnotice: () => {},
    // Short timeouts: a signal must get a 503 quickly when Postgres is down, never hang.
    connect_timeout: 5,
    idle_timeout: 60,
    // int8 (counts, ids) as numbers on both adapters; they stay far below 2^53.
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) }, ...(pooled ? ARRAY_PARAMETERS : {}) },
    // postgres.js asks each new connection for Postgres's array types, as its first statement, and
    // leaves that promise unheard: when a pooler refuses the statement (PgBouncer does while
    // Postgres is away: "server login has been failing", query_wait_timeout), the rejection is
    // unhandled and ends the process (postgres.js issue 1192, open in 3.4.9). Through a pooler
    // it does not ask; ARRAY_PARAMETERS sends the arrays the statements take.
    ...(pooled ? { fetch_types: false } : {}),
    // A pooler does not pass search_path on (PgBouncer before 1.20 refuses the connection) and
    // could not keep it per client: there the server connections carry it (checkPooler).
    ...(options.schema && !pooled ? { connection: { search_path: options.schema } } : {}),
  });
  let ready: Promise<void> | null = null;
  // Through a pooler, the session connection creates the schema: migrations run there first.
  const ensureSchema = () => (ready ??= options.schema && !pooled
    ? sql.unsafe(`create schema if not exists "${options.schema.replace(/"/g, '')}"`).then(() => undefined)
    : Promise.resolve());

  // Statements with parameters are prepared once per connection and reused: unprepared, postgres.js
  // describes each one first, a second round trip per statement (the texts are a fixed set).
  // Through a pooler that second round trip is the price (prepare: false above wins over this).
  const run = async <T>(on: typeof sql | postgres.TransactionSql, text: string, params: readonly unknown[]) =>
    (await on.unsafe(text, params as never[], params.length > 0 ? { prepare: true } : {})) as unknown as T[];
  const wrap = (on: typeof sql | postgres.TransactionSql): Queryable => ({
    query: <T>(text: string, params: readonly unknown[] = []) => run<T>(on, text, params),
  });

  const db: Database = {
    kind: 'postgres',
    async query<T>(text: string, params: readonly unknown[] = []) {
      await ensureSchema();
      return run<T>(sql, text, params);
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      await ensureSchema();
      return (await sql.begin((tx) => fn(wrap(tx)))) as T;
    },
    async listen(channel, onPayload) {
      // A LISTEN through a pooler holds on to a server connection that other clients then use, and
      // their notifications come to it: it listens on the session connection.
      if (pooled) return pooled.session.listen(channel, onPayload);
      await ensureSchema();
      const sub = await sql.listen(channel, onPayload);
      return async () => { await sub.unlisten(); };
    },
    async close() {
      await sql.end({ timeout: 5 });
      await pooled?.session.close();
    },
  };
  return db;
}
