// How a state looks outside a terminal: a symbol beside its word, so that it never rests on
// colour alone (the web view, badges). The five outcomes keep the dashboard's glyphs.
import type { Status } from '../../schema/vocabulary.js';

export const STATE_SYMBOL: Record<Status, string> = {
  on_schedule: '✓', late: '~', failed: '✗', missing: '?', overrunning: '!', running: '▶', pending: '○', paused: '‖',
};

/** Worst first, as the dashboard orders its rows: what needs a person comes first. */
export const WORST_FIRST: readonly Status[] = ['failed', 'missing', 'overrunning', 'late', 'running', 'pending', 'on_schedule', 'paused'];

/** The worst of some states (a tag's badge); null for none. */
export function worstOf(states: readonly string[]): Status | null {
  let best: Status | null = null;
  for (const s of states) {
    const i = WORST_FIRST.indexOf(s as Status);
    if (i >= 0 && (best === null || i < WORST_FIRST.indexOf(best))) best = s as Status;
  }
  return best;
}
