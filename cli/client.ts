// The tRPC client. Only the type of the server's router is imported, never its code.
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../server/api/router.js';
import { CliError } from './command.js';
import type { Connection } from './connection.js';

export type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

export function createClient(conn: Connection): Client {
  return createTRPCClient<AppRouter>({
    links: [httpLink({
      url: `${conn.server}/trpc`,
      headers: () => (conn.token ? { authorization: `Bearer ${conn.token}` } : {}),
    })],
  });
}

/** Runs one API call; failures become one clear line (and exit 1), never a stack trace. */
export async function call<T>(conn: Connection, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CliError(explain(conn, err));
  }
}

export function explain(conn: Connection, err: unknown): string {
  if (err instanceof TRPCClientError) {
    const code = (err.data as { code?: string } | undefined)?.code;
    if (code === 'UNAUTHORIZED') {
      return conn.token
        ? `pakyas: the server at ${conn.server} does not accept this token (PAKYAS_TOKEN or --token)`
        : `pakyas: the server at ${conn.server} needs a token: set PAKYAS_TOKEN or pass --token`;
    }
    const cause = (err.cause as { code?: string; cause?: { code?: string } } | undefined);
    const net = cause?.code ?? cause?.cause?.code;
    if (net || /fetch failed/i.test(err.message)) {
      return `pakyas: cannot reach the Pakyas server at ${conn.server}${net ? ` (${net})` : ''}; start it with 'pakyas server', or set PAKYAS_SERVER / --server`;
    }
    if (code === 'BAD_REQUEST' && /^\[/.test(err.message)) {
      try {
        const issues = JSON.parse(err.message) as Array<{ path: Array<string | number>; message: string }>;
        return `pakyas: the server refused the request:\n${issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`;
      } catch { /* fall through */ }
    }
    return `pakyas: ${err.message}`;
  }
  return `pakyas: ${(err as Error).message}`;
}
