// States in words and colour (never colour alone), and times as people read them.
import { STATUS_LABEL, type Status } from '../server/core/state.js';
import { formatElapsed } from '../server/core/format.js';
import { paint, type Colour } from './output.js';

export const STATE_COLOUR: Record<Status, Colour> = {
  on_schedule: 'green', late: 'yellow', failed: 'red', missing: 'red', overrunning: 'magenta',
  running: 'cyan', paused: 'gray', pending: 'blue',
};

export function stateWord(state: string, colour = true): string {
  const label = STATUS_LABEL[state as Status] ?? state;
  return colour ? paint(label, STATE_COLOUR[state as Status] ?? 'bold') : label;
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
