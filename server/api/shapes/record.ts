// The one way a signal in another product's shape goes in: the same queue, the same judgement
// and the same transaction as a native ping (server/signals.ts), and the same metrics.
import { isUnavailable } from '../../db/port.js';
import type { ServerDeps } from '../../deps.js';
import type { IncomingSignal } from '../../signals.js';

export type Recorded =
  | { kind: 'recorded'; judged: boolean }
  | { kind: 'not_found' }
  | { kind: 'unavailable' };

export async function recordSignal(deps: ServerDeps, signal: IncomingSignal): Promise<Recorded> {
  try {
    const outcome = await deps.signals.record(signal);
    if (!outcome.ok) return { kind: 'not_found' };
    deps.metrics.countSignal(signal.kind);
    return { kind: 'recorded', judged: outcome.judged };
  } catch (err) {
    if (isUnavailable(err)) return { kind: 'unavailable' };
    throw err;
  }
}

/** The ping key's token bucket (api/rate-limit.ts), shared by every shape that names the key. */
export function takeToken(deps: ServerDeps, key: string): { ok: true } | { ok: false; retryAfter: number } {
  return deps.pingLimiter.take(key);
}

export function userAgent(headers: Record<string, string | string[] | undefined>): string | null {
  const ua = headers['user-agent'];
  return (typeof ua === 'string' ? ua : '').slice(0, 300) || null;
}
