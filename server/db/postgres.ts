// The postgres.js adapter: a pool against a real Postgres server (DATABASE_URL).
import postgres from 'postgres';
import type { Database, Queryable } from './port.js';

export interface PostgresOptions {
  url: string;
  /** A schema to create and use instead of public (tests use one per file). */
  schema?: string;
  max?: number;
}

export function openPostgres(options: PostgresOptions): Database {
  const sql = postgres(options.url, {
    max: options.max ?? 20,
    onnotice: () => {},
    // Short timeouts: a signal must get a 503 quickly when Postgres is down, never hang.
    connect_timeout: 5,
    idle_timeout: 60,
    // int8 (counts, ids) as numbers on both adapters; they stay far below 2^53.
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
    ...(options.schema ? { connection: { search_path: options.schema } } : {}),
  });
  let ready: Promise<void> | null = null;
  const ensureSchema = () => (ready ??= options.schema
    ? sql.unsafe(`create schema if not exists "${options.schema.replace(/"/g, '')}"`).then(() => undefined)
    : Promise.resolve());

  // Statements with parameters are prepared once per connection and reused: unprepared, postgres.js
  // describes each one first, a second round trip per statement (the texts are a fixed set).
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
      await ensureSchema();
      const sub = await sql.listen(channel, onPayload);
      return async () => { await sub.unlisten(); };
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
  return db;
}
