// The words Pakyas speaks, written once: in pakyas.yaml, on the signal endpoints, in the API and on
// screen. Names and the patterns they follow, the limits a signal or a file is held to, the kinds
// of channel, and the states with the words and colours they are shown in (SPEC §1). No imports
// but types: the server, the CLI's signal path and the loader all read it.
import type { ChannelType, Transition } from './types.js';

// ---- names --------------------------------------------------------------------------------------

/** Projects, jobs, channels and tags (pakyas.schema.json's `name`; a test keeps the two equal). */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const MAX_NAME_LENGTH = 64;
export const NAME_RULE = "use lowercase letters, digits, '-' and '_', starting with a letter or digit, at most 64 characters";

export function isName(text: string): boolean {
  return text.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(text);
}

/** A run id (`rid`): ties a run's finish to its start. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---- limits -------------------------------------------------------------------------------------

/** A signal's body is the end of the job's output: this many bytes of it are kept (SPEC §3). */
export const KEPT_OUTPUT_BYTES = 10_000;
/** A signal request's body may be this large; larger ones are refused (413). */
export const MAX_SIGNAL_BODY_BYTES = 1024 * 1024;
/** A replayed signal (one sent late, with the time it happened) is judged up to this old (SPEC §7). */
export const MAX_REPLAY_AGE_MS = 24 * 3600_000;
/** A pakyas.yaml is at most this large, and holds at most this many YAML aliases (alias bombs). */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
export const MAX_YAML_ALIASES = 50;
/** `*` in a route's job glob, at most: globs are user text matched in linear time. */
export const MAX_GLOB_STARS = 8;

// ---- channels -----------------------------------------------------------------------------------

const KINDS: Record<ChannelType, true> = { webhook: true, slack: true, discord: true, pagerduty: true, email: true };
/** Every kind of channel (one file each in server/notify/), in the order they are listed to users. */
export const CHANNEL_KINDS = Object.keys(KINDS) as [ChannelType, ...ChannelType[]];

const ALL_TRANSITIONS: Record<Transition, true> = { failed: true, missing: true, overrunning: true, late: true, recovered: true };
/** What a route can ask to hear about (`on:`). */
export const TRANSITIONS = Object.keys(ALL_TRANSITIONS) as [Transition, ...Transition[]];

// ---- states -------------------------------------------------------------------------------------

/** The outcome alerts are judged on (SPEC §1). */
export type Health = 'on_schedule' | 'late' | 'failed' | 'missing' | 'overrunning';
/** What a person sees: health, or activity (running), or no judgement at all (pending, paused). */
export type Status = Health | 'pending' | 'running' | 'paused';

/** Every state, in the order they are listed (counts, metrics). */
export const STATUSES: readonly Status[] = ['pending', 'on_schedule', 'late', 'failed', 'missing', 'overrunning', 'running', 'paused'];
/** The healths that alert when a job moves into them. */
export const BAD: readonly Health[] = ['failed', 'missing', 'overrunning'];

/** A state in words (SPEC §1's "shown as"): never colour alone. */
export const STATUS_LABEL: Record<Status, string> = {
  pending: 'Pending', on_schedule: 'On Schedule', late: 'Late', failed: 'Failed', missing: 'Missing',
  overrunning: 'Overrunning', running: 'Running', paused: 'Paused',
};

export type StateColour = 'green' | 'yellow' | 'red' | 'magenta' | 'cyan' | 'gray' | 'blue';

/** The colour a state is shown in, on terminals and in the dashboard (names ANSI and Ink share). */
export const STATUS_COLOUR: Record<Status, StateColour> = {
  on_schedule: 'green', late: 'yellow', failed: 'red', missing: 'red', overrunning: 'magenta',
  running: 'cyan', paused: 'gray', pending: 'blue',
};

/**
 * Outcomes a job's state keeps for the dashboard's history strip, which is at most this wide. The
 * state is written with every signal: the 30 kept before were 80 % of its JSON, sent, parsed and
 * stored on every write; older outcomes are in the timeline.
 */
export const HISTORY_KEPT = 16;
