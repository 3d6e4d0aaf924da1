// The one way the server talks to its database: run a statement, or run several in a transaction.
// Two adapters implement it (postgres.js for a real server, PGlite embedded), and the same SQL and
// migrations run on both.

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Database extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction; a throw rolls it back. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Subscribes to NOTIFY on a channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** A transaction that can be told what to do once it has committed. */
export interface Transaction extends Queryable {
  /** Runs `fn` after the commit, and never if the transaction rolls back. */
  afterCommit(fn: () => void): void;
}

/**
 * Runs `fn` in one transaction, then what it asked for after commit: timers, the delivery worker,
 * metrics. A wake-up armed before the commit could fire before the rows it is for are visible, and
 * one armed for a transaction that rolled back would wake for nothing; here neither can happen, and
 * no caller wires it by hand.
 */
export async function transact<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return thenAfterCommit((afterCommit) => db.transaction((tx) => fn({ query: (text, params) => tx.query(text, params), afterCommit })));
}

/**
 * Like transact(), for work that writes with a single statement: it runs outside a transaction
 * (the statement commits on its own), saving the BEGIN and COMMIT round trips, and what it asked
 * for runs once that statement has returned.
 */
export async function alone<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return thenAfterCommit((afterCommit) => fn({ query: (text, params) => db.query(text, params), afterCommit }));
}

/** Runs `work`, then what it registered to run after its commit (never if it threw). */
async function thenAfterCommit<T>(work: (afterCommit: (f: () => void) => void) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  const result = await work((f) => { hooks.push(f); });
  for (const f of hooks) f();
  return result;
}

/** An error from the database layer that means "the database is unavailable", not "bad query". */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const code = e.code ?? '';
  return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']
    .includes(code) || /terminating connection|Connection terminated|the database system is (starting up|shutting down)/i.test(e.message ?? '');
}
