// States in words and colour (never colour alone), and times as people read them.
import { STATUS_COLOUR, STATUS_LABEL, type Status } from '../schema/vocabulary.js';
import { formatElapsed } from '../server/core/format.js';
import { paint } from './output.js';

export function stateWord(state: string, colour = true): string {
  const label = STATUS_LABEL[state as Status] ?? state;
  return colour ? paint(label, STATUS_COLOUR[state as Status] ?? 'bold') : label;
}

/** "in 3m", "5m ago", "now". */
export function relative(iso: string | null, now = Date.now()): string {
  if (!iso) return '—';
  const d = Date.parse(iso) - now;
  if (Math.abs(d) < 1000) return 'now';
  return d > 0 ? `in ${formatElapsed(d)}` : `${formatElapsed(-d)} ago`;
}

/** "2026-11-28 03:00:12 UTC". */
export function utc(iso: string | null): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '—';
}
