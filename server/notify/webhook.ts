// Webhook: the alert as JSON. With a secret, Pakyas-Signature lets the receiver check that the
// body came from Pakyas and is fresh: HMAC-SHA256 over "<timestamp>.<body>" (docs/alerts.md).
import { createHmac } from 'node:crypto';
import { post, setting } from './http.js';
import type { AlertMessage, Notifier } from './message.js';
import { title } from './message.js';

export function webhookBody(m: AlertMessage): string {
  return JSON.stringify({
    id: m.id, type: m.test ? 'test' : 'alert', project: m.project, job: m.job, transition: m.transition,
    from: m.from, to: m.to, at: m.at, title: title(m), reason: m.reason, evidence: m.evidence,
    timeline: `pakyas timeline ${m.project}/${m.job}`,
    ...(m.url ? { url: m.url } : {}),
  });
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export const webhook: Notifier = {
  send(settings, m, ctx) {
    const body = webhookBody(m);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'pakyas-event-id': m.id, 'idempotency-key': m.id };
    const secret = setting(settings, 'secret');
    if (secret) {
      const timestamp = Math.floor(Date.now() / 1000);
      headers['pakyas-timestamp'] = String(timestamp);
      headers['pakyas-signature'] = sign(secret, timestamp, body);
    }
    return post(setting(settings, 'url'), body, headers, ctx);
  },
};
