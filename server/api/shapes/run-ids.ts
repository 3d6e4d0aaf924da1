// A run id from text that is not a UUID (Cronitor's `series`): hashed, so with node:crypto, at
// the edge where other products' signals are read.
import { createHash } from 'node:crypto';
import { parseUuid } from '../../core/foreign-ids.js';

/**
 * A stable run id for a run id that is not a UUID (Cronitor's `series`, any string): the same
 * text always gives the same UUID, so a start and its finish still pair, and two runs with
 * different series stay apart. Version 8 ("custom") in RFC 9562's layout, from SHA-256.
 */
export function runIdFromText(namespace: string, text: string): string {
  const parsed = parseUuid(text);
  if (parsed) return parsed;
  const h = createHash('sha256').update(`${namespace}\u0000${text}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

