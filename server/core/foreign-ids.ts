// Ids in the forms other products write them: job UUIDs, a DSN's key. Pure (a run id hashed
// from text is in api/shapes/run-ids.ts: hashing is node:crypto's).
import { UUID_PATTERN } from '../../schema/vocabulary.js';

export { UUID_PATTERN };

const NIL = '00000000-0000-0000-0000-000000000000';

/**
 * A UUID written dashed or as 32 bare hex digits (Sentry's check_in_id), lowercased and dashed;
 * null when it is neither.
 */
export function parseUuid(text: string): string | null {
  const hex = text.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  const dashed = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  // Only the two canonical spellings: "1-2-3" dashed anywhere else is not a UUID.
  return text.length === 32 || UUID_PATTERN.test(text) ? dashed : null;
}

export function isNilUuid(uuid: string): boolean {
  return uuid === NIL;
}

/**
 * The key a Sentry DSN carries for a ping key. Sentry's SDKs accept only letters, digits and '_'
 * there; ping keys made before that was known may hold a '-', and go in hex instead.
 */
export function dsnKey(pingKey: string): string {
  return /^\w+$/.test(pingKey) ? pingKey : Buffer.from(pingKey).toString('hex');
}

/** The ping key a DSN's key stands for (dsnKey's inverse). */
export function pingKeyFromDsnKey(key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) return key;
  const decoded = Buffer.from(key, 'hex').toString('latin1');
  return /^[A-Za-z0-9_-]{32}$/.test(decoded) ? decoded : key;
}
