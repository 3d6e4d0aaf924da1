// Bearer tokens. The database keeps only sha256(token); a presented token is hashed and looked up
// by that hash, so no comparison of secret bytes happens in JavaScript at all.
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './db/port.js';
import {
  countAdminTokens, deleteAdminTokens, findTokenByHash, insertToken, lockAdminTokenCreation, replaceEnvAdminToken,
  REVOKED_CHANNEL, tokenExists, touchToken, type TokenRow,
} from './db/tokens.js';

export type Principal = TokenRow;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `pky_${randomBytes(32).toString('base64url')}`;
}

/** Tokens an operator chooses (PAKYAS_ADMIN_TOKEN, PAKYAS_METRICS_TOKEN) need this many characters: 128 bits as hex. */
export const MIN_CHOSEN_TOKEN_LENGTH = 32;

/** Throws, with a sentence for the operator, when a chosen token is too short to be a secret. */
export function checkChosenToken(variable: string, token: string): void {
  if (token.length < MIN_CHOSEN_TOKEN_LENGTH) {
    throw new Error(`${variable} must be at least ${MIN_CHOSEN_TOKEN_LENGTH} characters (it has ${token.length}); make one with: openssl rand -hex 32`);
  }
}

export async function authenticate(db: Database, header: string | undefined): Promise<Principal | null> {
  const m = /^Bearer\s+(\S{8,512})$/i.exec(header ?? '');
  if (!m) return null;
  const token = await findTokenByHash(db, hashToken(m[1]!));
  if (token) void touchToken(db, token.id).catch(() => undefined);
  return token;
}

/**
 * The admin token: PAKYAS_ADMIN_TOKEN when set (startServer has checked its length); otherwise one
 * is generated on the first start and returned so that it can be printed once. Later starts find
 * it stored (hashed) and return null.
 */
export async function ensureAdminToken(db: Database, fromEnv: string | undefined): Promise<string | null> {
  if (fromEnv) {
    await replaceEnvAdminToken(db, hashToken(fromEnv));
    return null;
  }
  return db.transaction(async (tx) => {
    await lockAdminTokenCreation(tx);
    if ((await countAdminTokens(tx)) > 0) return null;
    const token = newToken();
    await insertToken(tx, { name: 'admin (generated on first start)', hash: hashToken(token), projectId: null, readOnly: false, admin: true });
    return token;
  });
}

/**
 * A lost admin token, replaced by whoever can reach the database (`pakyas server token reset`):
 * every generated admin token stops working at once and a new one is returned, to print once.
 * Reaching the database is the proof of authority, as it is for the server itself.
 */
export async function resetAdminToken(db: Database, now = new Date()): Promise<{ token: string; revoked: number; hadEnvToken: boolean }> {
  return db.transaction(async (tx) => {
    await lockAdminTokenCreation(tx);
    const { revoked, hadEnvToken } = await deleteAdminTokens(tx);
    const token = newToken();
    await insertToken(tx, { name: `admin (reset ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC)`, hash: hashToken(token), projectId: null, readOnly: false, admin: true });
    return { token, revoked, hadEnvToken };
  });
}

/** How often a long-lived request asks whether its token still exists, besides hearing revocations. */
export const TOKEN_RECHECK_MS = 5000;

/**
 * Calls `onRevoked` (once) when token `id` stops existing: at once when any server revokes it, and
 * within TOKEN_RECHECK_MS when no notice comes (the listening connection was down, or a restart
 * replaced PAKYAS_ADMIN_TOKEN). For requests that outlive their authentication, like subscriptions.
 * Returns the function that stops watching.
 */
export async function watchRevocation(db: Database, id: number, onRevoked: () => void): Promise<() => Promise<void>> {
  let done = false;
  const revoked = () => { if (!done) { done = true; onRevoked(); } };
  const recheck = () => tokenExists(db, id).then((exists) => { if (!exists) revoked(); }, () => { /* unavailable: ask again next time */ });
  const unlisten = await db.listen(REVOKED_CHANNEL, (payload) => { if (payload === String(id)) revoked(); });
  // Revoked between authentication and listening: no notice will come.
  await recheck();
  const timer = setInterval(recheck, TOKEN_RECHECK_MS);
  return async () => { clearInterval(timer); await unlisten(); };
}
