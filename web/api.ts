// How the page talks to the server: the same tRPC routers as the CLI, authenticated by the session
// cookie (same origin, so the browser sends it; the page never sees it), and /web/session to sign
// in and out. The token is sent once, in a POST body, never in a URL.
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';
import type { AppRouter } from '../server/api/router.js';

export const api = createTRPCClient<AppRouter>({
  links: [splitLink({
    condition: (op) => op.type === 'subscription',
    true: httpSubscriptionLink({ url: '/trpc' }),
    false: httpLink({ url: '/trpc' }),
  })],
});

type Client = typeof api;
export type Job = Awaited<ReturnType<Client['jobs']['list']['query']>>[number];
export type JobPageData = Awaited<ReturnType<Client['web']['job']['query']>>;
export type History = Awaited<ReturnType<Client['web']['history']['query']>>;
export type TimelinePage = Awaited<ReturnType<Client['web']['timeline']['query']>>;
export type Entry = TimelinePage['entries'][number];

export interface Session { signedIn: true; token: string; project: string | null; readOnly: boolean; admin: boolean }

async function sessionCall(method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<{ status: number; data: Record<string, unknown> }> {
  const res = await fetch('/web/session', {
    method, credentials: 'same-origin', cache: 'no-store',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, data: await res.json().catch(() => ({})) as Record<string, unknown> };
}

export async function currentSession(): Promise<Session | null> {
  const r = await sessionCall('GET');
  return r.status === 200 && r.data.signedIn === true ? (r.data as unknown as Session) : null;
}

/** The session, or why not in a sentence. */
export async function signIn(token: string): Promise<Session | string> {
  const r = await sessionCall('POST', { token });
  return r.status === 200 ? (r.data as unknown as Session) : String(r.data.error ?? `Sign-in failed (HTTP ${r.status})`);
}

export async function signOut(): Promise<void> {
  await sessionCall('DELETE');
}

export function isUnauthorized(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED';
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
