// What every channel says about an alert: one sentence of why, then the evidence.
import { formatElapsed } from '../core/format.js';
import { STATUS_LABEL, type Status } from '../../schema/vocabulary.js';

export interface AlertMessage {
  /** The idempotency key: the same for every attempt at one (alert, channel). */
  id: string;
  project: string;
  job: string;
  transition: string;
  /** The state it left; `pending` on a job's first judgement. */
  from: string;
  to: string;
  at: string;
  reason: string;
  evidence: Record<string, unknown>;
  test?: boolean;
  /** The job's page in the web view, when the server knows its public URL (PAKYAS_PUBLIC_URL). */
  url?: string;
}

export interface SendContext {
  /** The whole attempt's deadline: connection, sending and the answer. */
  timeoutMs: number;
  /** Aborted when the attempt's time is up (the one deadline, alerts.ts sendWithin); a sender stops what it is doing. */
  signal: AbortSignal;
  /** Targets on loopback, link-local and private networks are refused unless the operator allows them. */
  allowPrivate: boolean;
  /** The operator's SMTP account (PAKYAS_SMTP_URL), for email channels without their own. */
  smtp: { url?: string | undefined; from?: string | undefined; allowedDomains?: readonly string[] | undefined };
}

export type SendResult = { ok: true } | { ok: false; error: string; retryable: boolean };

export interface Notifier {
  send(settings: Record<string, string | string[]>, message: AlertMessage, ctx: SendContext): Promise<SendResult>;
}

const label = (s: string | null) => (s ? STATUS_LABEL[s as Status] ?? s : 'Pending');

export function title(m: AlertMessage): string {
  const name = `${m.project}/${m.job}`;
  if (m.test) return `Test alert from Pakyas for ${name}`;
  if (m.transition === 'recovered') return `${name} recovered: ${label(m.to)} again`;
  return `${name} is ${label(m.to)}`;
}

/** The evidence as "label: value" lines, in the order a person on call reads them. */
export function evidenceLines(m: AlertMessage): Array<[string, string]> {
  const e = m.evidence;
  const lines: Array<[string, string]> = [];
  if (e.exitCode !== undefined && e.exitCode !== null) lines.push(['Exit code', String(e.exitCode)]);
  if (typeof e.durationMs === 'number') lines.push(['Duration', formatElapsed(e.durationMs)]);
  if (typeof e.window === 'string') lines.push(['Expected window', String(e.window)]);
  if (typeof e.timing === 'string') lines.push(['Timing', String(e.timing)]);
  if (typeof e.maxDurationMs === 'number') lines.push(['Max duration', formatElapsed(e.maxDurationMs)]);
  if (typeof e.host === 'string') lines.push(['Host', String(e.host)]);
  if (typeof e.previously === 'string') lines.push(['Was', label(String(e.previously))]);
  lines.push(['Timeline', `pakyas timeline ${m.project}/${m.job}`]);
  return lines;
}

export function outputTail(m: AlertMessage, max = 1500): string | null {
  const tail = m.evidence.outputTail;
  if (typeof tail !== 'string' || tail.trim() === '') return null;
  return tail.length > max ? `…${tail.slice(-max)}` : tail;
}

export function plainText(m: AlertMessage): string {
  const tail = outputTail(m);
  return [
    title(m),
    '',
    m.reason,
    '',
    ...evidenceLines(m).map(([k, v]) => `${k}: ${v}`),
    ...(tail ? ['', 'Output (tail):', tail] : []),
    ...(m.url ? ['', `Job page: ${m.url}`] : []),
  ].join('\n');
}

/** Colour by what happened: red for bad, amber for late, green for recovered. */
export function colourOf(m: AlertMessage): string {
  if (m.test) return '#439fe0';
  switch (m.transition) {
    case 'recovered': return '#2eb67d';
    case 'late': return '#ecb22e';
    case 'overrunning': return '#9b59b6';
    default: return '#e01e5a';
  }
}

const isTimeKey = (k: string) => k.endsWith('At') || k === 'due' || k === 'deadline';

/**
 * The evidence as receivers read it: every time (`…At`, `due`, `deadline`, kept as epoch
 * milliseconds inside Pakyas) as ISO-8601 UTC, like the alert's own `at`.
 */
export function isoEvidence(evidence: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(evidence)) out[k] = isTimeKey(k) && typeof v === 'number' ? new Date(v).toISOString() : v;
  return out;
}

/**
 * Text for Slack's mrkdwn: `&`, `<` and `>` escaped, as Slack asks, so that a job's output cannot
 * write `<!channel>` (a mention of everyone) or `<https://…|a link>`.
 */
export function slackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Text for Discord: markdown shown, not obeyed (no masked links, no formatting), and `@everyone`
 * and `@here` broken with a zero-width space (the payload also allows no mentions at all).
 */
export function discordText(text: string): string {
  return text.replace(/[\\*_~`|[\]()<>#-]/g, '\\$&').replace(/@(everyone|here)/g, '@\u200b$1');
}
