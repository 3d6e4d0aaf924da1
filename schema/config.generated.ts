// Generated from pakyas.schema.json by scripts/gen-types.mjs: do not edit by hand.
// The raw shape of pakyas.yaml, as written; schema/types.ts holds the normalised config.

/** Lowercase letters, digits, '-' and '_', starting with a letter or digit; at most 64 characters. */
export type Name = string;

/** A duration such as 30s, 5m, 1h30m or 2d (units d, h, m, s, largest first); at least 1s. */
export type Duration = string;

/** A cron expression as the cron daemon reads it: 5 fields, minute hour day-of-month month day-of-week, each a number, *, a range a-b, a step *\/n or a-b/n, or a list a,b; months jan–dec and weekdays sun–sat by name, 0 and 7 both Sunday. Or a macro: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly. */
export type Cron = string;

/** An IANA time zone name such as UTC, Europe/Berlin or America/New_York. Cron schedules are evaluated in it, across daylight-saving changes. */
export type Timezone = string;

/** A UUID such as 31365bce-8da9-4729-8ff3-aaa71d56b712: the job's Healthchecks-style ping URL is /ping/{uuid}. Every job has one (generated at its first apply and kept); declare it to keep the URLs a job already uses, such as its UUID in Healthchecks. Unique on the server. */
export type Uuid = string;

/** How many consecutive bad runs before an alert fires (flap control). 1 alerts on the first. */
export type AlertAfter = number;

/** Labels that routes and the dashboard filter on. */
export type Tags = Name[];

/** Settings every job inherits unless it sets its own. */
export type Defaults = {
  /** Time zone of cron schedules (default UTC). */
  timezone?: Timezone;
  /** How long after its scheduled time a run may start and still be on time (default 5m). */
  grace?: Duration;
  /** How long a run may take before it is overrunning (default 1h). */
  max_duration?: Duration;
  /** Consecutive bad runs before alerting (default 1). */
  alert_after?: AlertAfter;
};

/** A monitored job, by its name: when it is expected to run (a cron `schedule` or an `every` interval) and how it is judged. The name is used in the job's ping URL: /ping/{pingKey}/{name}. */
export type Job = {
  /** What the job does, for the people who get paged. */
  description?: string;
  /** When the job runs: a 5-field cron expression (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly, evaluated in `timezone`. Use either `schedule` or `every`. */
  schedule?: Cron;
  /** An interval measured from the start of the previous run, such as 15m. Use either `schedule` or `every`. */
  every?: Duration;
  /** Time zone of the cron schedule (default: defaults.timezone, else UTC). */
  timezone?: Timezone;
  /** How long after its scheduled time a run may start and still be on time (default: defaults.grace, else 5m). */
  grace?: Duration;
  /** How long a run may take before it is overrunning (default: defaults.max_duration, else 1h). */
  max_duration?: Duration;
  /** Labels that routes and the dashboard filter on. */
  tags?: Tags;
  /** When true, signals are recorded but the job is not judged and nothing alerts. */
  paused?: boolean;
  /** Consecutive bad runs before an alert fires (default: defaults.alert_after, else 1). */
  alert_after?: AlertAfter;
  /** The job's UUID, for Healthchecks-style ping URLs (/ping/{uuid}, /start, /fail, /log, /{exit-status}). Without it the job keeps the UUID it was given at its first apply (`pakyas status JOB` shows it); declare it to keep a UUID the job's scripts already use. */
  uuid?: Uuid;
};

/** Where alerts are sent. `type` decides the other settings. */
export type Channel = WebhookChannel | SlackChannel | DiscordChannel | PagerdutyChannel | EmailChannel;

/** A secret: write it as ${PAKYAS_SECRET_…}, read from the environment when the file is applied, so that it never sits in the repository; $$ is a literal $. */
export type Secret = string;

/** An http:// or https:// URL that carries its credential: write it as ${PAKYAS_SECRET_…} so that it never sits in the repository. */
export type SecretHttpUrl = string;

/** smtp:// or smtps:// with user, password, host and port only (no path or query), such as smtps://user:pass@smtp.example.com:465; a secret: write it as ${PAKYAS_SECRET_…}. */
export type SecretSmtpUrl = string;

/** A JSON POST to your own endpoint. */
export type WebhookChannel = {
  /** webhook */
  type: "webhook";
  /** Where the JSON is POSTed. A secret, as such a URL often carries a credential: write it as ${PAKYAS_SECRET_…}. */
  url: SecretHttpUrl;
  /** When set, each request carries a Pakyas-Signature header: an HMAC-SHA256 of the timestamp and body. */
  secret?: Secret;
};

/** A Slack incoming webhook. */
export type SlackChannel = {
  /** slack */
  type: "slack";
  /** The Slack incoming webhook URL (a secret: write it as ${PAKYAS_SECRET_…}). */
  webhook_url: SecretHttpUrl;
  /** The channel the webhook posts to, such as #ops-alerts; shown in the timeline. Written as is: not a secret, so it reads no ${…}. */
  channel?: string;
};

/** A Discord webhook. */
export type DiscordChannel = {
  /** discord */
  type: "discord";
  /** The Discord webhook URL (a secret: write it as ${PAKYAS_SECRET_…}). */
  webhook_url: SecretHttpUrl;
};

/** PagerDuty Events API v2: triggers on bad transitions, resolves on recovery, one incident per job. */
export type PagerdutyChannel = {
  /** pagerduty */
  type: "pagerduty";
  /** The integration's routing key (a secret: write it as ${PAKYAS_SECRET_…}). */
  routing_key: Secret;
  /** Overrides https://events.pagerduty.com/v2/enqueue (gateways, tests). Not a secret setting, so it reads no ${…}; plans show it with its user-info and query string hidden. */
  events_url?: string;
};

/** Email over SMTP. */
export type EmailChannel = {
  /** email */
  type: "email";
  /** One address or a list of addresses. */
  to: string | string[];
  /** The From address; needs the channel's own smtp_url (the server's SMTP account always sends as its PAKYAS_SMTP_FROM). */
  from?: string;
  /** smtp:// or smtps://, user, password, host and port only (no path or query), such as smtps://user:pass@smtp.example.com:465 (a secret: write it as ${PAKYAS_SECRET_…}); default: the server's PAKYAS_SMTP_URL. */
  smtp_url?: SecretSmtpUrl;
};

/** A change of health that can alert. */
export type Transition = "failed" | "missing" | "overrunning" | "late" | "recovered";

/** Sends alerts of matching jobs to channels. */
export type Route = {
  /** Which jobs this route covers: a name glob, tags (a job must have all of them), or both. */
  match: {
    /** A glob on job names: * matches any run of characters (at most 8 of them in one glob), ? one character. */
    job?: string;
    /** A job matches when it has every one of these tags. */
    tags?: Tags;
  };
  /** Names of channels (defined under `channels`) that hear matching transitions. */
  notify: Name[];
  /** Which transitions alert (default: failed, missing, overrunning, recovered; `late` only when listed). */
  on?: Transition[];
};

/** The jobs of one project, how they are expected to run, and who hears when they do not. Applied to a Pakyas server with `pakyas apply`. */
export type PakyasFile = {
  /** The version of this file format. Only 1 exists. */
  version: 1;
  /** The project this file describes. `pakyas apply` makes the server's state of this project equal to the file and never touches other projects. */
  project: Name;
  /** Settings every job inherits unless it sets its own. */
  defaults?: Defaults;
  /** Where alerts go, by name. Secrets are written as ${PAKYAS_SECRET_…} and read from the environment when the file is applied, in secret settings only (a CI job can allow other names with --allow-env NAME). */
  channels?: {
    [name: string]: Channel;
  };
  /** Which channels hear which transitions of which jobs. Every matching route is used. */
  routes?: Route[];
  /** The monitored jobs, by name. A job's name is used in its ping URL: /ping/{pingKey}/{job}. */
  jobs?: {
    [name: string]: Job;
  };
};
