// Web sessions: a token pasted into the sign-in page, held by the browser as a cookie. The table
// keeps sha256 of the cookie's value, and the session lives only as long as its token.
import type { TokenRow } from './tokens.js';
import type { Queryable } from './port.js';

/** How long a session lasts unused, and at most. */
export const SESSION_IDLE_HOURS = 12;
export const SESSION_MAX_DAYS = 7;

export async function insertSession(db: Queryable, hash: string, tokenId: number): Promise<void> {
  // Expired sessions go as new ones come: no pass of its own, and the table stays small.
  await db.query('delete from web_sessions where expires_at < now()');
  await db.query(
    `insert into web_sessions (hash, token_id, expires_at) values ($1, $2, now() + make_interval(hours => $3))`,
    [hash, tokenId, SESSION_IDLE_HOURS]);
}

/** The token behind a live session, or null. */
export async function findSessionToken(db: Queryable, hash: string): Promise<(TokenRow & { expires_at: Date }) | null> {
  const [row] = await db.query<TokenRow & { expires_at: Date }>(
    `select t.id, t.name, t.project_id, p.name as project, t.read_only, t.admin, t.created_at, t.last_used_at, s.expires_at
     from web_sessions s join tokens t on t.id = s.token_id left join projects p on p.id = t.project_id
     where s.hash = $1 and s.expires_at > now()`, [hash]);
  return row ?? null;
}

/**
 * Moves a session's expiry on by the idle time, never past its maximum age; only when less than
 * half the idle time is left, so that a busy page does not write on every request.
 */
export async function extendSession(db: Queryable, hash: string): Promise<void> {
  await db.query(
    `update web_sessions set expires_at = least(created_at + make_interval(days => $2), now() + make_interval(hours => $3))
     where hash = $1 and expires_at < now() + make_interval(hours => $3) / 2`,
    [hash, SESSION_MAX_DAYS, SESSION_IDLE_HOURS]);
}

export async function deleteSession(db: Queryable, hash: string): Promise<void> {
  await db.query('delete from web_sessions where hash = $1', [hash]);
}

/** Which of these sessions are still live: for streams that outlive the request that opened them. */
export async function liveSessions(db: Queryable, hashes: string[]): Promise<Set<string>> {
  const rows = await db.query<{ hash: string }>(
    'select hash from web_sessions where hash = any($1::text[]) and expires_at > now()', [hashes]);
  return new Set(rows.map((r) => r.hash));
}
