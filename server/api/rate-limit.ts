// A token bucket per ping key: a runaway loop in one job cannot crowd out every other signal.
// Generous by default (a job signals a few times per run); PAKYAS_PING_RATE sets signals per second.

export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number, private readonly burst: number) {}

  /** Whether one more request for `key` may pass now; when not, seconds until it may. */
  take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfter: number } {
    if (this.perSecond <= 0) return { ok: true };
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size > 100_000) this.buckets.clear(); // bounded memory against key spraying
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfter: Math.ceil((1 - b.tokens) / this.perSecond) };
  }
}
