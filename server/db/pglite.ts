// The embedded adapter: PGlite, Postgres compiled to WebAssembly, in this process. One connection:
// PGlite queues statements itself, and a transaction holds the connection until it ends.
import { PGlite } from '@electric-sql/pglite';
import { pgliteFileOptions } from './files.js';
import type { Database, Queryable } from './port.js';

export interface PgliteOptions {
  /** A directory for the data, or undefined for memory only. */
  dataDir?: string;
}

export async function openPglite(options: PgliteOptions): Promise<{ db: Database; pglite: PGlite }> {
  const pglite = await PGlite.create(options.dataDir ?? 'memory://', {
    parsers: { 20: (x: string) => Number(x) },
    ...(await pgliteFileOptions()),
  });
  const wrap = (run: Pick<PGlite, 'query'>): Queryable => ({
    async query<T>(text: string, params: readonly unknown[] = []) {
      return (await run.query(text, params as unknown[])).rows as T[];
    },
  });
  const db: Database = {
    kind: 'pglite',
    query: (text, params) => wrap(pglite).query(text, params),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>) {
      return pglite.transaction((tx) => fn(wrap(tx)));
    },
    async listen(channel, onPayload) {
      const unsub = await pglite.listen(channel, onPayload);
      return async () => { await unsub(); };
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
  return { db, pglite };
}
