// The one tRPC client, for the commands and the dashboard alike. Only the type of the server's
// router is imported, never its code; what the API returns is typed from it, end to end.
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { EventSource } from 'eventsource';
import type { AppRouter } from '../server/api/router.js';
import { CliError } from './command.js';
import type { Connection } from './connection.js';

export type Client = ReturnType<typeof createTRPCClient<AppRouter>>;
/** A job as the API shows it: the state ids of SPEC §1 and ISO-8601 UTC times (server/api/views.ts). */
export type JobView = Awaited<ReturnType<Client['jobs']['list']['query']>>[number];
export type TimelineEntry = Awaited<ReturnType<Client['jobs']['timeline']['query']>>['entries'][number];

export interface ClientOptions {
  /**
   * For live updates (the dashboard): subscriptions then go over Server-Sent Events through this
   * EventSource. Passed in, so that only the dashboard loads it.
   */
  eventSource?: typeof EventSource;
}

export function createClient(conn: Connection, options: ClientOptions = {}): Client {
  const url = `${conn.server}/trpc`;
  const auth: Record<string, string> = conn.token ? { authorization: `Bearer ${conn.token}` } : {};
  const http = httpLink({ url, headers: () => auth });
  if (!options.eventSource) return createTRPCClient<AppRouter>({ links: [http] });
  return createTRPCClient<AppRouter>({
    links: [splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url,
        EventSource: options.eventSource,
        // EventSource has no headers of its own: the token goes in through its fetch.
        eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...auth } }) },
      }),
      false: http,
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
