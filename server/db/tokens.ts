// API tokens, stored as sha256 hashes: a stolen database does not hold a usable token.
import type { Queryable } from './port.js';

export interface TokenRow {
  id: number;
  name: string;
  project_id: number | null;
  project: string | null;
  read_only: boolean;
  admin: boolean;
  created_at: Date;
  last_used_at: Date | null;
}

const SELECT = `select t.id, t.name, t.project_id, p.name as project, t.read_only, t.admin, t.created_at, t.last_used_at
  from tokens t left join projects p on p.id = t.project_id`;

export async function findTokenByHash(db: Queryable, hash: string): Promise<TokenRow | null> {
  const [row] = await db.query<TokenRow>(`${SELECT} where t.hash = $1`, [hash]);
  return row ?? null;
}

export async function insertToken(db: Queryable, t: { name: string; hash: string; projectId: number | null; readOnly: boolean; admin: boolean }): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    'insert into tokens (name, hash, project_id, read_only, admin) values ($1, $2, $3, $4, $5) returning id',
    [t.name, t.hash, t.projectId, t.readOnly, t.admin]);
  return row!.id;
}

export async function listTokens(db: Queryable): Promise<TokenRow[]> {
  return db.query<TokenRow>(`${SELECT} order by t.id`);
}

/** Every server on the database hears of a revocation on this channel (payload: the token's id), on commit. */
export const REVOKED_CHANNEL = 'pakyas_token_revoked';

export async function deleteToken(db: Queryable, id: number): Promise<boolean> {
  const rows = await db.query(
    'with gone as (delete from tokens where id = $1 returning id) select pg_notify($2, id::text) from gone', [id, REVOKED_CHANNEL]);
  return rows.length > 0;
}

export async function tokenExists(db: Queryable, id: number): Promise<boolean> {
  return (await db.query('select 1 from tokens where id = $1', [id])).length > 0;
}

/** Until the transaction ends, no other server creates an admin token: two first starts make one. */
export async function lockAdminTokenCreation(db: Queryable): Promise<void> {
  await db.query('select pg_advisory_xact_lock(7246592)');
}

export async function countAdminTokens(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('select count(*)::int as n from tokens where admin');
  return row!.n;
}

/** The admin token from PAKYAS_ADMIN_TOKEN replaces the one from the previous start, if any. */
export async function replaceEnvAdminToken(db: Queryable, hash: string): Promise<void> {
  await db.query("delete from tokens where admin and name = 'admin (PAKYAS_ADMIN_TOKEN)' and hash <> $1", [hash]);
  await db.query(
    `insert into tokens (name, hash, admin) values ('admin (PAKYAS_ADMIN_TOKEN)', $1, true) on conflict (hash) do nothing`, [hash]);
}

export async function touchToken(db: Queryable, id: number): Promise<void> {
  await db.query("update tokens set last_used_at = now() where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')", [id]);
}

/**
 * Removes every admin token but the one from PAKYAS_ADMIN_TOKEN (which the server's environment
 * sets again at each start), telling every server so that open streams using them end.
 */
/**
 * Every admin token, revoked (each open stream hears it). Which one came from PAKYAS_ADMIN_TOKEN
 * is told only by its name, which an admin may give any token: a reset keeps none, and the
 * server puts the variable's token back when it starts with it.
 */
export async function deleteAdminTokens(db: Queryable): Promise<{ revoked: number; hadEnvToken: boolean }> {
  const rows = await db.query<{ env: boolean }>(
    `with gone as (delete from tokens where admin returning id, name = 'admin (PAKYAS_ADMIN_TOKEN)' as env)
     select env, pg_notify($1, id::text) from gone`, [REVOKED_CHANNEL]);
  return { revoked: rows.length, hadEnvToken: rows.some((r) => r.env) };
}

/** Whether this database holds Pakyas's tables at all (a wrong --data-dir or --schema does not). */
export async function hasTokensTable(db: Queryable): Promise<boolean> {
  const [row] = await db.query<{ t: string | null }>("select to_regclass('tokens')::text as t");
  return Boolean(row?.t);
}
