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

/** Channel settings that hold secrets: redacted in plans, API reads, logs and the dashboard. */
export const SECRET_SETTINGS: Record<ChannelType, string[]> = {
  webhook: ['secret'],
  slack: ['webhook_url'],
  discord: ['webhook_url'],
  pagerduty: ['routing_key'],
  email: ['smtp_url'],
};
