import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Waker } from '../server/waker.js';

describe('the Waker', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }); });
  afterEach(() => { vi.useRealTimers(); });

  it('wakes at each time it was told of, earliest first, once for times told twice', () => {
    const woken: number[] = [];
    const waker = new Waker(() => woken.push(Date.now()));
    for (const t of [1_003_000, 1_001_000, 1_002_000, 1_001_000]) waker.at(t);
    expect(waker.has(1_001_000)).toBe(true);
    vi.advanceTimersByTime(3_100);
    // A few ms late rather than early: pg-boss compares a tick's time with the database's clock.
    expect(woken.map((t) => Math.round((t - 1_000_000) / 1000))).toEqual([1, 2, 3]);
    expect(waker.has(1_001_000)).toBe(false);
  });

  it('wakes no more once stopped, and takes no more times than it may hold', () => {
    const woken: number[] = [];
    const waker = new Waker(() => woken.push(Date.now()), 2);
    for (const t of [1_001_000, 1_002_000, 1_003_000]) waker.at(t);
    expect(waker.has(1_003_000)).toBe(false);
    vi.advanceTimersByTime(1_500);
    waker.stop();
    vi.advanceTimersByTime(5_000);
    expect(woken).toHaveLength(1);
  });
});
