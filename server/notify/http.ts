// One POST with a timeout, and what its answer means for retrying.
import type { SendResult } from './message.js';

export async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  try {
    const res = await fetch(url, { method: 'POST', body, headers: { 'user-agent': 'pakyas-alerts', ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { ok: true };
    // The receiver is there but refuses: retrying helps for throttling and its own failures only.
    return { ok: false, error: `HTTP ${res.status}`, retryable: res.status >= 500 || res.status === 429 || res.status === 408 };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
    const why = e.name === 'TimeoutError'
      ? `no answer within ${timeoutMs / 1000}s`
      : e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message;
    return { ok: false, error: why, retryable: true };
  }
}

export function setting(settings: Record<string, string | string[]>, key: string): string {
  const v = settings[key];
  return Array.isArray(v) ? v.join(',') : v ?? '';
}
