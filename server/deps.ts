// What the server's parts share: the database, pg-boss, the waker, metrics and a logger.
import type { AlertSettings } from './alerts.js';
import type { JudgeDeps } from './judge.js';
import type { Metrics } from './metrics.js';
import type { RateLimiter } from './api/rate-limit.js';
import type { SignalQueue } from './signals.js';

export interface ServerDeps extends JudgeDeps {
  metrics: Metrics;
  log: (line: string) => void;
  startedAt: number;
  alertSettings: AlertSettings;
  pingLimiter: RateLimiter;
  /** Signals in, written in batches (group commit). */
  signals: SignalQueue;
}
