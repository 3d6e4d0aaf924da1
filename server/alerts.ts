// Alerts: routed in the transaction of the transition that owes them, delivered by a pg-boss
// queue with retries and backoff. Every attempt's result lands in the job's timeline.
import type { PgBoss } from 'pg-boss';
import type { ChannelSpec, RouteSpec } from '../schema/types.js';
import { bossDb } from './checks.js';
import { channelsFor } from './core/routes.js';
import { formatElapsed } from './core/format.js';
import type { AlertIntent, TimelineEntry } from './core/state.js';
import { channelsAlertedSinceRecovery, claimDelivery, insertAlerts, settleAttempt } from './db/alerts.js';
import { loadRoutes } from './db/config.js';
import type { JobRow } from './db/jobs.js';
import type { Database, Queryable } from './db/port.js';
import { insertTimelineMany } from './db/timeline.js';
import { channelLabel, notifiers } from './notify/index.js';
import type { AlertMessage, SendContext, SendResult } from './notify/message.js';

export const ALERT_QUEUE = 'pakyas-alerts';

export interface AlertSettings {
  /** The first retry waits this long; each later one twice as long as the one before. */
  retryDelaySeconds: number;
  /** Retries after the first attempt before giving up. */
  retries: number;
  timeoutMs: number;
  smtp: SendContext['smtp'];
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  retryDelaySeconds: 10,
  retries: 5,
  timeoutMs: 10_000,
  smtp: { url: process.env.PAKYAS_SMTP_URL, from: process.env.PAKYAS_SMTP_FROM },
};

export interface DeliveryData { deliveryId: number }

const ORDER_WAIT_MS = 300;

const BAD = new Set(['failed', 'missing', 'overrunning']);

/**
 * Writes the alerts that judged jobs owe and queues one delivery per channel, in the judging
 * transaction, with a few statements however many jobs owe alerts. Returns how many deliveries
 * were queued, so that the caller wakes the worker after commit.
 */
export async function recordAlerts(boss: PgBoss, tx: Queryable, owed: Array<{ job: JobRow; alerts: AlertIntent[] }>): Promise<number> {
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
        const heard = recoveredInBatch ? told : new Set([...await channelsAlertedSinceRecovery(tx, job.id), ...told]);
        channels = channelsFor(job.spec, routes.get(job.project_id)!, alert.transition, heard);
        told = new Set();
        recoveredInBatch = true;
      } else {
        channels = channelsFor(job.spec, routes.get(job.project_id)!, alert.transition);
        for (const c of channels) told.add(c);
      }
      rows.push({ jobId: job.id, alert, channels });
      if (channels.length === 0 && BAD.has(alert.transition)) {
        // Say so rather than stay silent: a bad transition nobody hears is worth knowing about.
        unheard.push({ jobId: job.id, entries: [{ at: alert.at, kind: 'alert', message: `No route sends ${alert.transition} alerts of this job to a channel; nobody was notified` }] });
      }
    }
  }
  const ids = await insertAlerts(tx, rows);
  if (ids.length > 0) await boss.insert(ALERT_QUEUE, ids.map((deliveryId) => ({ data: { deliveryId } })), { db: bossDb(tx) });
  await insertTimelineMany(tx, unheard);
  return ids.length;
}

/** One attempt at one delivery. Safe to run twice: the attempt is claimed first. */
export async function deliver(db: Database, boss: PgBoss, settings: AlertSettings, deliveryId: number, wake: (at: number) => void): Promise<void> {
  const d = await claimDelivery(db, deliveryId);
  if (!d || d.status !== 'pending') return;
  // A receiver must see a job's alerts in order (a PagerDuty resolve before its trigger would
  // leave the incident open): wait while an earlier one to this channel is still on its way.
  if (d.waiting) {
    await boss.send(ALERT_QUEUE, { deliveryId }, { startAfter: new Date(Date.now() + ORDER_WAIT_MS) });
    wake(Date.now() + ORDER_WAIT_MS);
    return;
  }
  if (d.attempt === null) return; // another worker has this attempt
  const attempt = d.attempt;
  const label = channelLabel(d.channel, d.channel_type, d.settings);

  let result: SendResult;
  if (!d.channel_type || !d.settings) {
    result = { ok: false, error: 'the channel no longer exists', retryable: false };
  } else {
    const message: AlertMessage = {
      id: `pakyas-delivery-${d.id}`, project: d.project, job: d.job, transition: d.transition,
      from: d.from_health, to: d.to_health, at: new Date(d.at).toISOString(), reason: d.reason, evidence: d.evidence,
    };
    result = await notifiers[d.channel_type as ChannelSpec['type']].send(d.settings, message, { timeoutMs: settings.timeoutMs, smtp: settings.smtp });
  }

  const now = Date.now();
  if (result.ok) {
    await settleAttempt(db, d.id, 'sent', null, d.job_id, { at: now, kind: 'alert', message: `Alert sent to ${label}: ${d.transition}${attempt > 1 ? ` (attempt ${attempt})` : ''}`, data: { channel: d.channel, transition: d.transition, attempt } });
    return;
  }
  const retryLeft = result.retryable && attempt <= settings.retries;
  if (retryLeft) {
    const delayMs = settings.retryDelaySeconds * 1000 * 2 ** (attempt - 1);
    await boss.send(ALERT_QUEUE, { deliveryId: d.id }, { startAfter: new Date(now + delayMs) });
    wake(now + delayMs);
    await settleAttempt(db, d.id, 'pending', result.error, d.job_id, { at: now, kind: 'alert', message: `Alert to ${label} failed: ${result.error}, retry ${attempt} of ${settings.retries} in ${formatElapsed(delayMs)}`, data: { channel: d.channel, attempt, error: result.error } });
  } else {
    const why = result.retryable ? `after ${attempt} attempts` : 'without retrying, as retrying cannot help';
    await settleAttempt(db, d.id, 'failed', result.error, d.job_id, { at: now, kind: 'alert', message: `Alert to ${label} gave up ${why}: ${result.error}`, data: { channel: d.channel, attempt, error: result.error } });
  }
}

/** A test message through a channel, to check its settings: sent now, not queued. */
export async function sendTest(channel: ChannelSpec, project: string, settings: AlertSettings): Promise<SendResult> {
  const message: AlertMessage = {
    id: `pakyas-test-${Date.now()}`, project, job: 'test', transition: 'failed', from: 'on_schedule', to: 'failed',
    at: new Date().toISOString(), test: true,
    reason: `This is a test of the ${channel.type} channel '${channel.name}': if you read this, Pakyas alerts reach you.`,
    evidence: { exitCode: 1, durationMs: 12_400, window: '02:55–03:05' },
  };
  return notifiers[channel.type].send(channel.settings, message, { timeoutMs: settings.timeoutMs, smtp: settings.smtp });
}
