// Bearer tokens. The database keeps only sha256(token); a presented token is hashed and looked up
// by that hash, so no comparison of secret bytes happens in JavaScript at all.
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './db/port.js';
import { countAdminTokens, findTokenByHash, insertToken, replaceEnvAdminToken, touchToken, type TokenRow } from './db/tokens.js';

export type Principal = TokenRow;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `pky_${randomBytes(32).toString('base64url')}`;
}

export async function authenticate(db: Database, header: string | undefined): Promise<Principal | null> {
  const m = /^Bearer\s+(\S{8,512})$/i.exec(header ?? '');
  if (!m) return null;
  const token = await findTokenByHash(db, hashToken(m[1]!));
  if (token) void touchToken(db, token.id).catch(() => undefined);
  return token;
}

/**
 * The admin token: PAKYAS_ADMIN_TOKEN when set; otherwise one is generated on the first start
 * and returned so that it can be printed once. Later starts find it stored (hashed) and return null.
 */
export async function ensureAdminToken(db: Database, fromEnv: string | undefined): Promise<string | null> {
  if (fromEnv) {
    if (fromEnv.length < 16) throw new Error('PAKYAS_ADMIN_TOKEN must be at least 16 characters');
    await replaceEnvAdminToken(db, hashToken(fromEnv));
    return null;
  }
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(7246592)');
    if ((await countAdminTokens(tx)) > 0) return null;
    const token = newToken();
    await insertToken(tx, { name: 'admin (generated on first start)', hash: hashToken(token), projectId: null, readOnly: false, admin: true });
    return token;
  });
}
