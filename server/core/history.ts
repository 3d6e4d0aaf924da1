// A job's history as the web view draws it: each run's outcome from the timeline, and a strip of
// days. Pure: the rows and the moment are passed in.
//
// Every outcome writes one timeline entry (status.ts setHealth): a transition names the health it
// moved to; a repeat of the same health is a quiet `signal` or `missed` entry without it, so its
// outcome is the health of the transition before it.
import { formatLocal } from './format.js';
import type { Health } from '../../schema/vocabulary.js';

export interface OutcomeRow {
  at: number;
  kind: string;
  /** The health a transition moved to. */
  to: string | null;
  /** What the entry's evidence says it was: a finished run, an overrun, a missed deadline. */
  finished: boolean;
  overran: boolean;
  missed: boolean;
  durationMs: number | null;
  exitCode: number | null;
}

export interface Outcome { at: number; outcome: Health; durationMs: number | null; exitCode: number | null }

const HEALTHS: readonly string[] = ['on_schedule', 'late', 'failed', 'missing', 'overrunning'];

/** The outcomes in `rows` (oldest first); `healthBefore` is the health of the last transition before them. */
export function outcomesOf(rows: readonly OutcomeRow[], healthBefore: string | null): Outcome[] {
  let health = healthBefore;
  const out: Outcome[] = [];
  for (const r of rows) {
    let outcome: string | null = null;
    if (r.kind === 'transition' && r.to !== null) health = outcome = r.to;
    else if (r.kind === 'missed' && r.missed) outcome = 'missing';
    else if (r.kind === 'signal' && r.overran) outcome = 'overrunning';
    else if (r.kind === 'signal' && r.finished) outcome = health;
    if (outcome !== null && HEALTHS.includes(outcome)) {
      out.push({ at: r.at, outcome: outcome as Health, durationMs: r.finished ? r.durationMs : null, exitCode: r.exitCode });
    }
  }
  return out;
}

export interface Day {
  /** YYYY-MM-DD in the job's zone. */
  date: string;
  counts: Record<Health, number>;
}

/** The last `days` days in `zone`, oldest first, ending today, with how many runs had each outcome. */
export function dailyStrip(outcomes: readonly Outcome[], now: number, zone: string, days = 30): Day[] {
  const [y, m, d] = formatLocal(new Date(now), zone).slice(0, 10).split('-').map(Number) as [number, number, number];
  const strip: Day[] = [];
  const index = new Map<string, Day>();
  for (let i = days - 1; i >= 0; i--) {
    // Calendar arithmetic on the date itself: stepping by 24 h would skip or repeat a day across DST.
    const date = new Date(Date.UTC(y, m - 1, d - i)).toISOString().slice(0, 10);
    const day: Day = { date, counts: { on_schedule: 0, late: 0, failed: 0, missing: 0, overrunning: 0 } };
    strip.push(day);
    index.set(date, day);
  }
  for (const o of outcomes) {
    const day = index.get(formatLocal(new Date(o.at), zone).slice(0, 10));
    if (day) day.counts[o.outcome]++;
  }
  return strip;
}

/** The outcome a day shows first: the worst that happened on it. */
export function worstOfDay(day: Day): Health | null {
  for (const h of ['failed', 'missing', 'overrunning', 'late', 'on_schedule'] as const) if (day.counts[h] > 0) return h;
  return null;
}
