import { describe, expect, it } from 'vitest';
import { dailyStrip, outcomesOf, worstOfDay, type OutcomeRow } from '../server/core/history.js';

// The web view's pictures come from the timeline: each outcome is a transition (which names the
// health it moved to) or a quiet repeat of the health before it.
const row = (at: string, kind: string, o: Partial<OutcomeRow> = {}): OutcomeRow => ({
  at: Date.parse(at), kind, to: null, finished: false, overran: false, missed: false, durationMs: null, exitCode: null, ...o,
});

describe('outcomes from timeline entries', () => {
  it.each<[string, OutcomeRow[], string | null, string[]]>([
    ['a transition is its health', [row('2026-03-01T03:00:00Z', 'transition', { to: 'failed', finished: true, durationMs: 4000, exitCode: 3 })], null, ['failed']],
    ['a quiet finish repeats the health before it', [row('2026-03-01T03:00:00Z', 'signal', { finished: true, durationMs: 10 })], 'late', ['late']],
    ['a quiet repeat follows the newest transition', [
      row('2026-03-01T03:00:00Z', 'transition', { to: 'on_schedule', finished: true }), row('2026-03-01T04:00:00Z', 'signal', { finished: true })], null, ['on_schedule', 'on_schedule']],
    ['a missed deadline, and its repeats', [row('2026-03-01T03:05:00Z', 'transition', { to: 'missing', missed: true }), row('2026-03-01T04:05:00Z', 'missed', { missed: true })], 'on_schedule', ['missing', 'missing']],
    ['an overrun repeated', [row('2026-03-01T05:00:00Z', 'signal', { overran: true })], 'overrunning', ['overrunning']],
    ['starts, logs and summaries are not outcomes', [row('2026-03-01T03:00:00Z', 'signal'), row('2026-03-01T03:00:00Z', 'missed'), row('2026-03-01T03:00:00Z', 'log')], 'failed', []],
    ['a quiet finish with no known health before it is left out', [row('2026-03-01T03:00:00Z', 'signal', { finished: true })], null, []],
  ])('%s', (_name, rows, before, expected) => {
    expect(outcomesOf(rows, before).map((o) => o.outcome)).toEqual(expected);
  });

  it('keeps durations of finished runs only', () => {
    const out = outcomesOf([row('2026-03-01T03:00:00Z', 'transition', { to: 'failed', finished: true, durationMs: 4000, exitCode: 3 }), row('2026-03-01T04:00:00Z', 'transition', { to: 'missing', missed: true })], null);
    expect(out.map((o) => o.durationMs)).toEqual([4000, null]);
  });
});

describe('the 30-day strip', () => {
  it('counts outcomes by day in the job\'s zone, ending today, across a DST change', () => {
    // Europe/Berlin springs forward on 2026-03-29: a 23-hour day, still one day of the strip.
    const now = Date.parse('2026-03-30T10:00:00Z');
    const outcomes = outcomesOf([
      row('2026-03-29T22:30:00Z', 'transition', { to: 'failed', finished: true }), // 00:30 on the 30th in Berlin
      row('2026-03-29T21:30:00Z', 'transition', { to: 'on_schedule', finished: true }), // 23:30 on the 29th
      row('2026-03-28T12:00:00Z', 'transition', { to: 'missing', missed: true }),
      row('2026-02-01T12:00:00Z', 'transition', { to: 'failed', finished: true }), // before the strip
    ], null);
    const days = dailyStrip(outcomes, now, 'Europe/Berlin');
    expect(days).toHaveLength(30);
    expect(days[0]!.date).toBe('2026-03-01');
    expect(days.at(-1)!.date).toBe('2026-03-30');
    expect(new Set(days.map((d) => d.date)).size).toBe(30);
    expect(days.at(-1)!.counts.failed).toBe(1);
    expect(days.at(-2)!.counts.on_schedule).toBe(1);
    expect(worstOfDay(days.at(-3)!)).toBe('missing');
    expect(worstOfDay(days[0]!)).toBeNull();
  });
});
