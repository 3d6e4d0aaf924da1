// The normalised configuration the rest of Pakyas works with: defaults applied, durations in
// seconds, one shape per schedule kind. The raw file shape is generated from the JSON Schema
// (config.generated.ts); this is what it means.
import type { Channel, Transition } from './config.generated.js';

export type { PakyasFile, Channel as RawChannel, Transition } from './config.generated.js';

export type Schedule =
  | { kind: 'cron'; cron: string }
  | { kind: 'every'; everySeconds: number };

export interface JobSpec {
  name: string;
  description: string | null;
  schedule: Schedule;
  timezone: string;
  graceSeconds: number;
  maxDurationSeconds: number;
  tags: string[];
  paused: boolean;
  alertAfter: number;
  /** The UUID the file declares for Healthchecks-style URLs (lowercase); absent, the job keeps the one it was given. */
  uuid?: string;
}

export type ChannelType = Channel['type'];

export interface ChannelSpec {
  name: string;
  type: ChannelType;
  /** Every setting but `type`, with ${VAR} resolved when the file was loaded with an environment. */
  settings: Record<string, string | string[]>;
}

export interface RouteSpec {
  match: { job?: string; tags?: string[] };
  notify: string[];
  on: Transition[];
}

export interface ProjectConfig {
  project: string;
  jobs: JobSpec[];
  channels: ChannelSpec[];
  routes: RouteSpec[];
}

export const DEFAULTS = {
  timezone: 'UTC',
  graceSeconds: 5 * 60,
  maxDurationSeconds: 60 * 60,
  alertAfter: 1,
} as const;

/** Transitions a route hears when it does not say: `late` is opt-in (late is not failed). */
export const DEFAULT_ROUTE_ON: Transition[] = ['failed', 'missing', 'overrunning', 'recovered'];

/**
 * Channel settings that hold secrets: redacted in plans, API reads, logs and the dashboard, and
 * the only settings where ${VAR} is read (so every value read from the environment is a secret).
 * A webhook's `url` is one: like Slack's and Discord's, it commonly carries its credential.
 */
export const SECRET_SETTINGS: Record<ChannelType, string[]> = {
  webhook: ['url', 'secret'],
  slack: ['webhook_url'],
  discord: ['webhook_url'],
  pagerduty: ['routing_key'],
  email: ['smtp_url'],
};

export const REDACTED = '(secret)';

/** A setting as plans and reads show it; `hidden` says that some of it was left out. */
export interface ShownSetting { text: string; hidden: boolean }

/**
 * How a channel setting may be shown, the one place every display path asks. A secret setting is
 * `(secret)`; in any other URL (a gateway's events_url) the user-info and the query string are
 * where credentials go (`user:pass@`, `?apikey=`), so they are hidden and the rest is shown.
 */
export function displaySetting(type: ChannelType, key: string, value: string): ShownSetting {
  if ((SECRET_SETTINGS[type] ?? []).includes(key)) return { text: REDACTED, hidden: true };
  if (!/(^|_)url$/.test(key)) return { text: value, hidden: false };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // The loader refuses such a value, but an API client need not use the loader: a URL that
    // cannot be parsed cannot be shown in parts either.
    return { text: REDACTED, hidden: true };
  }
  const userInfo = url.username !== '' || url.password !== '';
  const query = url.search !== '';
  if (!userInfo && !query) return { text: value, hidden: false };
  return {
    text: `${url.protocol}//${userInfo ? `${REDACTED}@` : ''}${url.host}${url.pathname}${query ? `?${REDACTED}` : ''}${url.hash}`,
    hidden: true,
  };
}
