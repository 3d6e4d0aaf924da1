// What a channel's settings may be, checked where they are trusted: the server (apply, alert test,
// every send) and, for early errors, the CLI's loader. Pure. No setting is ever handed to a
// library as an option string: an SMTP URL is parsed here into host, port, TLS and credentials,
// and only those fields reach the mail transport (nodemailer reads options such as `sendmail`
// and `path` from a URL's query string, which would run programs on the server).
import type { ChannelType } from './types.js';

/** The settings each kind takes, besides `type`. */
export const CHANNEL_SETTINGS: Record<ChannelType, readonly string[]> = {
  webhook: ['url', 'secret'],
  slack: ['webhook_url', 'channel'],
  discord: ['webhook_url'],
  pagerduty: ['routing_key', 'events_url'],
  email: ['to', 'from', 'smtp_url'],
};

/** The settings each kind cannot do without, as pakyas.schema.json requires them (test/schema-types.test.ts). */
export const REQUIRED_SETTINGS: Record<ChannelType, readonly string[]> = {
  webhook: ['url'],
  slack: ['webhook_url'],
  discord: ['webhook_url'],
  pagerduty: ['routing_key'],
  email: ['to'],
};

/** Settings that are URLs, and the schemes each accepts. */
export const URL_SETTINGS: Record<ChannelType, Record<string, readonly string[]>> = {
  webhook: { url: ['http:', 'https:'] },
  slack: { webhook_url: ['http:', 'https:'] },
  discord: { webhook_url: ['http:', 'https:'] },
  pagerduty: { events_url: ['http:', 'https:'] },
  email: { smtp_url: ['smtp:', 'smtps:'] },
};

export interface SmtpServer {
  host: string;
  port: number;
  /** TLS from the first byte (smtps:); smtp: upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  auth: { user: string; pass: string } | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * `smtp://user:pass@host:587` or `smtps://…:465`: scheme, credentials, host and port only. A path,
 * query string or fragment is refused rather than ignored, so that nothing in the URL can ask the
 * mail library for anything else. Messages never repeat the URL: it holds a password.
 */
export function parseSmtpUrl(text: string): Parsed<SmtpServer> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, message: 'is not a URL; write it like smtps://user:password@smtp.example.com:465' };
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') return { ok: false, message: `must start with smtp:// or smtps://, not ${url.protocol.slice(0, 20)}//` };
  if (url.hostname === '') return { ok: false, message: 'has no host; write it like smtps://user:password@smtp.example.com:465' };
  if (text.includes('?') || url.hash !== '' || text.includes('#')) return { ok: false, message: 'may not have a query string or fragment (?…, #…): only user, password, host and port are read' };
  // On the text, not the parsed URL: `smtp://h/.` parses to the path `/`, but was written with one.
  if (!/^smtps?:\/\/[^/?#]*\/?$/i.test(text.trim())) return { ok: false, message: 'may not have a path: only user, password, host and port are read' };
  const secure = url.protocol === 'smtps:';
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  let auth: SmtpServer['auth'] = null;
  if (url.username !== '' || url.password !== '') {
    try {
      auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
    } catch {
      return { ok: false, message: 'has a user name or password that is not valid percent-encoding' };
    }
  }
  // URL keeps IPv6 literals in brackets; the socket wants the bare address.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { ok: true, value: { host, port, secure, auth } };
}

/** Why a URL setting is unacceptable, or null. Never repeats the value: it may be a secret. */
export function urlSettingError(type: ChannelType, key: string, value: string): string | null {
  const schemes = URL_SETTINGS[type]?.[key];
  if (!schemes) return null;
  if (key === 'smtp_url') {
    const parsed = parseSmtpUrl(value);
    return parsed.ok ? null : `${key} ${parsed.message}`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${key} is not a URL; write an http:// or https:// URL`;
  }
  if (!schemes.includes(url.protocol)) return `${key} must be an http:// or https:// URL, not ${url.protocol.slice(0, 20)}//`;
  return null;
}

/**
 * Every problem with a channel's settings: unknown settings, missing ones, URL settings that are
 * not of an allowed scheme, and a sender without its own SMTP server (the operator's server sends
 * only as the operator's address, or any project could send as anyone through it).
 */
export function channelProblems(type: ChannelType, settings: Record<string, string | string[]>): string[] {
  const known = CHANNEL_SETTINGS[type];
  if (!known) return [`unknown channel type ${String(type).slice(0, 40)}`];
  const problems: string[] = [];
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) problems.push(`${type} channels have no setting ${key.slice(0, 64)}; they take ${known.join(', ')}`);
  }
  for (const key of REQUIRED_SETTINGS[type]) {
    if (settings[key] === undefined || settings[key] === '') problems.push(`${type} channels need ${key}`);
  }
  for (const [key, value] of Object.entries(settings)) {
    if (!(key in URL_SETTINGS[type])) continue;
    const why = typeof value === 'string' ? urlSettingError(type, key, value) : `${key} must be one URL, not a list`;
    if (why) problems.push(why);
  }
  if (type === 'email' && settings.from !== undefined && !settings.smtp_url) {
    problems.push("from needs the channel's own smtp_url: through the server's SMTP account (PAKYAS_SMTP_URL) mail is always sent as PAKYAS_SMTP_FROM");
  }
  return problems;
}
