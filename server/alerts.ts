// Alerts: routed in the transaction of the transition that owes them, delivered from the
// deliveries table on pg-boss ticks, with retries and backoff. Every attempt's result lands in the
// job's timeline.
import type { PgBoss } from 'pg-boss';
import type { ChannelSpec, RouteSpec } from '../schema/types.js';
import { BAD } from '../schema/vocabulary.js';
import { scheduleWakes, TICK_QUEUE_OPTIONS } from './ticks.js';
import { channelProblems, parseSmtpUrl } from '../schema/channels.js';
import { channelsFor } from './core/routes.js';
import { formatElapsed } from './core/format.js';
import type { AlertIntent, TimelineEntry } from './core/state.js';
import { channelsAlertedSinceRecovery, claimDueDeliveries, insertAlerts, settleAttempts, type ClaimedDelivery, type SettledAttempt } from './db/alerts.js';
import { loadRoutes } from './db/config.js';
import type { JobRow } from './db/jobs.js';
import type { Database, Transaction } from './db/port.js';
import { jobPageUrl } from './core/links.js';
import { channelLabel, notifiers } from './notify/index.js';
import { isoEvidence, type AlertMessage, type SendContext, type SendResult } from './notify/message.js';
import { Waker } from './waker.js';

/** Ticks of alert delivery: each claims every delivery due by then (Deliverer). */
export const DELIVERY_QUEUE = 'pakyas-delivery-ticks';

export interface AlertSettings {
  /** The first retry waits this long; each later one twice as long as the one before. */
  retryDelaySeconds: number;
  /** Retries after the first attempt before giving up. */
  retries: number;
  timeoutMs: number;
  /** Alert targets on loopback, link-local and private networks (PAKYAS_ALERT_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  smtp: SendContext['smtp'];
  /** PAKYAS_PUBLIC_URL: alerts link to the job's page in the web view. */
  publicUrl?: string;
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  retryDelaySeconds: 10,
  retries: 5,
  timeoutMs: 10_000,
  allowPrivate: false,
  smtp: {},
};

/**
 * The operator's alert settings from the environment; a bad value is an error that names the
 * variable and what it takes, so a server never starts with a setting it silently ignored.
 */
export function alertSettingsFromEnv(env: Record<string, string | undefined>): Partial<AlertSettings> {
  const out: Partial<AlertSettings> = {};
  const timeout = env.PAKYAS_ALERT_TIMEOUT;
  if (timeout !== undefined && timeout !== '') {
    const seconds = Number(timeout);
    if (!(Number.isFinite(seconds) && seconds >= 1 && seconds <= 300)) throw new Error(`PAKYAS_ALERT_TIMEOUT must be a number of seconds from 1 to 300, not '${timeout.slice(0, 40)}'`);
    out.timeoutMs = seconds * 1000;
  }
  const allow = env.PAKYAS_ALERT_ALLOW_PRIVATE;
  if (allow !== undefined && allow !== '') {
    if (allow !== 'true' && allow !== 'false') throw new Error(`PAKYAS_ALERT_ALLOW_PRIVATE must be true or false, not '${allow.slice(0, 40)}'`);
    out.allowPrivate = allow === 'true';
  }
  const smtp: AlertSettings['smtp'] = {};
  if (env.PAKYAS_SMTP_URL) {
    const parsed = parseSmtpUrl(env.PAKYAS_SMTP_URL);
    if (!parsed.ok) throw new Error(`PAKYAS_SMTP_URL ${parsed.message}`);
    smtp.url = env.PAKYAS_SMTP_URL;
  }
  if (env.PAKYAS_SMTP_FROM) smtp.from = env.PAKYAS_SMTP_FROM;
  if (env.PAKYAS_SMTP_ALLOWED_DOMAINS) {
    const domains = env.PAKYAS_SMTP_ALLOWED_DOMAINS.split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
    const bad = domains.find((d) => !/^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(d));
    if (bad !== undefined) throw new Error(`PAKYAS_SMTP_ALLOWED_DOMAINS must be domain names separated by commas, like example.com,example.org; '${bad.slice(0, 60)}' is not one`);
    smtp.allowedDomains = domains;
  }
  if (Object.keys(smtp).length > 0) out.smtp = smtp;
  return out;
}

/**
 * Writes the alerts that judged jobs owe and queues one delivery per channel, in the judging
 * transaction, with a few statements however many jobs owe alerts. The delivery worker of this
 * process starts on them after commit; the tick queued here is what sends them should this
 * process stop first.
 */
export async function recordAlerts(
  deps: { boss: PgBoss; alertWaker: Waker }, tx: Transaction, owed: Array<{ job: JobRow; alerts: AlertIntent[] }>,
): Promise<void> {
  const routes = new Map<number, RouteSpec[]>();
  const rows: Array<{ jobId: number; alert: AlertIntent; channels: string[] }> = [];
  const unheard: Array<{ jobId: number; entries: TimelineEntry[] }> = [];
  for (const { job, alerts } of owed) {
    if (!routes.has(job.project_id)) routes.set(job.project_id, await loadRoutes(tx, job.project_id));
    // A recovery goes only to the channels told of bad news since the last recovery: those in the
    // database, and those of alerts just before it in this batch (not written yet).
    let told = new Set<string>();
    let recoveredInBatch = false;
    for (const alert of alerts) {
      let channels: string[];
      if (alert.transition === 'recovered') {
        // Which of the channels that hear this job's recoveries were told of the bad news: no
        // question to ask the database when none hear them (a project with no routes for it).
        const hearing = channelsFor(job.spec, routes.get(job.project_id)!, alert.transition);
        const heard = recoveredInBatch || hearing.length === 0 ? told : new Set([...await channelsAlertedSinceRecovery(tx, job.id), ...told]);
        channels = hearing.length === 0 ? [] : channelsFor(job.spec, routes.get(job.project_id)!, alert.transition, heard);
        told = new Set();
        recoveredInBatch = true;
      } else {
        channels = channelsFor(job.spec, routes.get(job.project_id)!, alert.transition);
        for (const c of channels) told.add(c);
      }
      rows.push({ jobId: job.id, alert, channels });
      if (channels.length === 0 && (BAD as readonly string[]).includes(alert.transition)) {
        // Say so rather than stay silent: a bad transition nobody hears is worth knowing about.
        unheard.push({ jobId: job.id, entries: [{ at: alert.at, kind: 'alert', message: `No route sends ${alert.transition} alerts of this job to a channel; nobody was notified` }] });
      }
    }
  }
  const ids = await insertAlerts(tx, rows, unheard);
  if (ids.length > 0) {
    await scheduleWakes(deps.boss, tx, [Date.now()], { queue: DELIVERY_QUEUE });
    tx.afterCommit(() => deps.alertWaker.at(Date.now()));
  }
}

/**
 * Sends due deliveries. pg-boss holds ticks (one per 100 ms boundary at which deliveries are due,
 * like the checks' ticks), not one row per delivery: at 100,000 jobs a row per delivery, fetched
 * and completed, was the bottleneck. A drain claims due deliveries from the table in batches and
 * starts sending them; results are recorded in batches as they come in. Up to `capacity` sends
 * run side by side, so a receiver that hangs holds up only its own deliveries.
 */
export class Deliverer {
  /**
   * Wakes this process's deliveries: it sends what it queued at once, and its retries on time,
   * without waiting for pg-boss to fetch the tick (the ticks are for replicas and restarts).
   */
  readonly waker: Waker;
  private inFlight = 0;
  private draining: Promise<void> | null = null;
  private again = false;
  private results: SettledAttempt[] = [];
  private flushing: Promise<void> | null = null;
  private stopped = false;
  private readonly leaseMs: number;

  constructor(
    private readonly db: Database, private readonly boss: PgBoss, private readonly settings: AlertSettings,
    private readonly hooks: { log: (line: string) => void; onResult?: (status: SettledAttempt['status']) => void },
    private readonly capacity = 300, private readonly batch = 100,
  ) {
    this.waker = new Waker(() => { this.drain().catch((err: Error) => hooks.log(`claiming alert deliveries failed: ${err.message}`)); });
    // Long enough for the slowest send to time out and its result to be recorded: should the
    // claim lapse first, a second worker would send the attempt again (the receiver would see the
    // same idempotency key twice). Short enough that a dead worker's alerts are not long delayed.
    this.leaseMs = settings.timeoutMs + Math.max(settings.timeoutMs, 5000);
  }

  /**
   * Takes this process's share of delivery ticks, and claims at once whatever a process that stopped
   * left due. The Deliverer schedules retries with backoff itself (each timeline entry says when the
   * next attempt comes), and a claim that lapses is taken over by a tick.
   */
  async start(pollingIntervalSeconds: number): Promise<void> {
    await this.boss.createQueue(DELIVERY_QUEUE, TICK_QUEUE_OPTIONS);
    await this.boss.work(DELIVERY_QUEUE, { batchSize: 1, pollingIntervalSeconds }, () => this.drain());
    this.waker.at(Date.now());
  }

  /** Claims and starts every due delivery there is room for. Resolves once none is left to claim; the sends go on. */
  drain(): Promise<void> {
    this.again = true;
    return this.draining ??= this.claimLoop().finally(() => { this.draining = null; });
  }

  /** Stops claiming and waits for the sends under way to finish and be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.stop();
    await this.draining?.catch(() => {});
    const until = Date.now() + this.settings.timeoutMs + 2000;
    while ((this.inFlight > 0 || this.flushing) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  private async claimLoop(): Promise<void> {
    while (this.again && !this.stopped) {
      this.again = false;
      const room = Math.min(this.capacity - this.inFlight, this.batch);
      if (room <= 0) return; // each recorded batch of results drains again
      const claimed = await this.db.transaction(async (tx) => {
        const rows = await claimDueDeliveries(tx, room, this.leaseMs);
        // Should this process die holding these, a tick when the claims lapse sends them again.
        if (rows.length > 0) await scheduleWakes(this.boss, tx, [Date.now() + this.leaseMs], { queue: DELIVERY_QUEUE });
        return rows;
      });
      for (const d of claimed) this.send(d);
      if (claimed.length === room) this.again = true;
    }
  }

  private send(d: ClaimedDelivery): void {
    this.inFlight++;
    void this.attempt(d).then((result) => {
      this.results.push(result);
      this.flush();
    });
  }

  /** One attempt: what it sent and what to record. Never throws. */
  private async attempt(d: ClaimedDelivery): Promise<SettledAttempt> {
    const label = channelLabel(d.channel, d.channel_type, d.settings);
    let result: SendResult;
    try {
      if (!d.channel_type || !d.settings) {
        result = { ok: false, error: 'the channel no longer exists', retryable: false };
      } else {
        const message: AlertMessage = {
          id: `pakyas-delivery-${d.id}`, project: d.project, job: d.job, transition: d.transition,
          from: d.from_health ?? 'pending', to: d.to_health, at: new Date(d.at).toISOString(), reason: d.reason, evidence: isoEvidence(d.evidence),
          ...(this.settings.publicUrl ? { url: jobPageUrl(this.settings.publicUrl, d.project, d.job) } : {}),
        };
        result = await sendWithin(d.channel_type as ChannelSpec['type'], d.settings, message, this.settings);
      }
    } catch {
      // A sender's bug, not the receiver's answer: its message could quote a URL, so it is not shown.
      result = { ok: false, error: 'internal error while sending', retryable: true };
    }
    const at = Date.now();
    const settled = (status: SettledAttempt['status'], retryAt: number | null, message: string): SettledAttempt => ({
      id: d.id, attempt: d.attempt, jobId: d.job_id, status, retryAt, error: result.ok ? null : result.error,
      entry: { at, kind: 'alert', message, data: { channel: d.channel, attempt: d.attempt, ...(result.ok ? { transition: d.transition } : { error: result.error }) } },
    });
    if (result.ok) return settled('sent', null, `Alert sent to ${label}: ${d.transition}${d.attempt > 1 ? ` (attempt ${d.attempt})` : ''}`);
    const { retries, retryDelaySeconds } = this.settings;
    if (result.retryable && d.attempt <= retries) {
      const delayMs = retryDelaySeconds * 1000 * 2 ** (d.attempt - 1);
      // One due time for the row, its tick and the timer alike.
      return settled('pending', at + delayMs, `Alert to ${label} failed: ${result.error}, retry ${d.attempt} of ${retries} in ${formatElapsed(delayMs)}`);
    }
    const why = result.retryable ? `after ${d.attempt} attempts` : 'without retrying, as retrying cannot help';
    return settled('failed', null, `Alert to ${label} gave up ${why}: ${result.error}`);
  }

  /** Records the results that came in, in one statement per batch; then claims again (a settled delivery may have held up a later one). */
  private flush(): void {
    if (this.flushing) return; // the running flush takes what arrives meanwhile
    this.flushing = (async () => {
      while (this.results.length > 0) {
        const batch = this.results.splice(0);
        try {
          const retries = batch.flatMap((r) => (r.retryAt === null ? [] : [r.retryAt]));
          // The ticks first: should recording fail, the claims lapse and a tick sends again.
          if (retries.length > 0) await scheduleWakes(this.boss, this.db, retries, { queue: DELIVERY_QUEUE });
          await settleAttempts(this.db, batch);
          for (const at of retries) this.waker.at(at);
          for (const r of batch) this.hooks.onResult?.(r.status);
        } catch (err) {
          // The claims lapse and these attempts are made again, under the same idempotency key.
          this.hooks.log(`recording ${batch.length} alert deliveries failed: ${(err as Error).message}`);
        } finally {
          this.inFlight -= batch.length;
        }
      }
    })().finally(() => {
      this.flushing = null;
      if (!this.stopped) this.drain().catch((err: Error) => this.hooks.log(`claiming alert deliveries failed: ${err.message}`));
    });
  }
}

/**
 * A test message through a channel, to check its settings: sent now, not queued. A PagerDuty test
 * opens an incident of its own; it is resolved at once, or it would wait for somebody to close it.
 */
export async function sendTest(channel: ChannelSpec, project: string, settings: AlertSettings): Promise<SendResult & { resolved?: boolean }> {
  const message: AlertMessage = {
    id: `pakyas-test-${Date.now()}`, project, job: 'test', transition: 'failed', from: 'on_schedule', to: 'failed',
    at: new Date().toISOString(), test: true,
    reason: `This is a test of the ${channel.type} channel '${channel.name}': if you read this, Pakyas alerts reach you.`,
    evidence: { exitCode: 1, durationMs: 12_400, window: '02:55–03:05' },
  };
  const sent = await sendWithin(channel.type, channel.settings, message, settings);
  if (!sent.ok || channel.type !== 'pagerduty') return sent;
  const resolved = await sendWithin(channel.type, channel.settings, { ...message, id: `${message.id}-resolve`, transition: 'recovered', from: 'failed', to: 'on_schedule' }, settings);
  return resolved.ok ? { ok: true, resolved: true } : { ok: false, error: `the test incident was opened, but resolving it failed: ${resolved.error}`, retryable: false };
}

/**
 * One attempt, over by its deadline whatever the sender does: a delivery's claim lapses after the
 * deadline and a margin, and an attempt still running then would be made a second time by another
 * worker. The settings are checked again here, so that a channel stored before a rule existed
 * cannot use what the rule forbids.
 */
async function sendWithin(type: ChannelSpec['type'], channel: Record<string, string | string[]>, message: AlertMessage, settings: AlertSettings): Promise<SendResult> {
  const problems = channelProblems(type, channel);
  if (problems.length > 0) return { ok: false, error: `the channel's settings are refused: ${problems.join('; ')}`, retryable: false };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<SendResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, error: `timeout: no answer within ${settings.timeoutMs / 1000}s`, retryable: true });
    }, settings.timeoutMs);
  });
  try {
    return await Promise.race([
      notifiers[type].send(channel, message, { timeoutMs: settings.timeoutMs, signal: controller.signal, allowPrivate: settings.allowPrivate, smtp: settings.smtp }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
