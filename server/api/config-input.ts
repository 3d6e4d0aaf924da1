// The desired config as the API accepts it. The CLI validated the file already, but the server
// trusts no client: shapes, limits, cron expressions, zones and references are checked again.
import { z } from 'zod';
import { MAX_DURATION_SECONDS } from '../../schema/duration.js';
import type { ProjectConfig } from '../../schema/types.js';
import { channelProblems } from '../../schema/channels.js';
import { cronError, isTimeZone } from '../../schema/cron.js';
import { CHANNEL_KINDS, MAX_GLOB_STARS, MAX_NAME_LENGTH, NAME_PATTERN, TRANSITIONS } from '../../schema/vocabulary.js';
import { countStars } from '../core/routes.js';
import { UUID_PATTERN } from '../core/foreign-ids.js';

const name = z.string().regex(NAME_PATTERN, "use lowercase letters, digits, '-' and '_'").max(MAX_NAME_LENGTH);
const seconds = z.number().int().min(1).max(MAX_DURATION_SECONDS);
const zone = z.string().max(64).refine(isTimeZone, 'is not a known IANA time zone');
const transition = z.enum(TRANSITIONS);

const job = z.object({
  name,
  description: z.string().max(500).nullable(),
  schedule: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('cron'), cron: z.string().max(200).refine((c) => cronError(c) === null, 'is not a valid cron expression') }),
    z.object({ kind: z.literal('every'), everySeconds: seconds }),
  ]),
  timezone: zone,
  graceSeconds: seconds,
  maxDurationSeconds: seconds,
  tags: z.array(name).max(32),
  paused: z.boolean(),
  alertAfter: z.number().int().min(1).max(100),
  uuid: z.string().regex(UUID_PATTERN, 'is not a UUID').transform((u) => u.toLowerCase()).optional(),
}).strict();

const setting = z.union([z.string().max(2000), z.array(z.string().max(320)).max(50)]);
/**
 * A channel as the server accepts it, from apply and from `alert test`: known settings only, URLs
 * of allowed schemes only, an SMTP URL of host, port and credentials only (schema/channels.ts).
 */
export const channelInput = z.object({
  name,
  type: z.enum(CHANNEL_KINDS),
  settings: z.record(z.string().max(64), setting).refine((s) => Object.keys(s).length <= 20, 'has too many settings'),
}).strict().superRefine((c, ctx) => {
  for (const problem of channelProblems(c.type, c.settings)) ctx.addIssue({ code: 'custom', message: `channel '${c.name}': ${problem}` });
});

const route = z.object({
  match: z.object({
    job: z.string().min(1).max(100).refine((g) => countStars(g) <= MAX_GLOB_STARS, `a job glob may have at most ${MAX_GLOB_STARS} \`*\``).optional(),
    tags: z.array(name).max(32).optional(),
  }).strict(),
  notify: z.array(name).min(1).max(50),
  on: z.array(transition).min(1).max(5),
}).strict();

export const MAX_JOBS_PER_PROJECT = 10_000;

export const projectConfigInput = z.object({
  project: name,
  jobs: z.array(job).max(MAX_JOBS_PER_PROJECT),
  channels: z.array(channelInput).max(100),
  routes: z.array(route).max(200),
}).strict().superRefine((c, ctx) => {
  const unique = (names: string[], what: string) => {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) ctx.addIssue({ code: 'custom', message: `${what} '${n}' appears twice` });
      seen.add(n);
    }
  };
  unique(c.jobs.map((j) => j.name), 'job');
  unique(c.jobs.flatMap((j) => (j.uuid ? [j.uuid] : [])), 'job uuid');
  unique(c.channels.map((ch) => ch.name), 'channel');
  const channels = new Set(c.channels.map((ch) => ch.name));
  c.routes.forEach((r, i) => r.notify.forEach((n) => {
    if (!channels.has(n)) ctx.addIssue({ code: 'custom', message: `route #${i + 1} notifies '${n}', which is not a defined channel` });
  }));
}) as z.ZodType<ProjectConfig>;

export const revisionSourceInput = z.object({
  commit: z.string().max(100).nullable(),
  ref: z.string().max(300).nullable(),
  author: z.string().max(200).nullable(),
  source: z.string().max(100).nullable(),
});
