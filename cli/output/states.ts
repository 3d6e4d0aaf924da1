// States in words and colour (never colour alone), and times as people read them: the one
// formatter the commands and the dashboard share. A state id this CLI does not know (a newer
// server's) is shown as the id itself.
import { STATUS_COLOUR, STATUS_LABEL, type Health, type Status } from '../../schema/vocabulary.js';
import { formatElapsed, formatZonedDate } from '../../server/core/format.js';
import { paint } from './terminal.js';

/** "On Schedule". */
export function stateLabel(state: Status): string {
  return STATUS_LABEL[state] ?? state;
}

/** A state in words, in its colour when `colour` is on. */
export function stateWord(state: Status, colour = true): string {
  return colour ? paint(stateLabel(state), STATUS_COLOUR[state] ?? 'bold') : stateLabel(state);
}

/** A glyph per outcome: distinct shapes, so a history reads without colour too. */
export const OUTCOME_GLYPH: Record<Health, string> = {
  on_schedule: '✓', late: '~', failed: '✗', missing: '?', overrunning: '!',
};

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

/**
 * "2026-11-28 03:00 CET = 02:00 UTC": a moment in the job's zone and in UTC where the two clocks
 * differ, "2026-11-28 02:00 UTC" where they do not.
 */
export function zoned(iso: string | null, timeZone: string): string {
  return iso ? formatZonedDate(new Date(iso), timeZone) : '—';
}
