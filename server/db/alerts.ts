// Alerts and their deliveries. A delivery is one (alert, channel) pair: its id is the idempotency
// key a receiver sees, and attempts are claimed by compare-and-set so two workers never both send.
import type { AlertIntent, TimelineEntry } from '../core/state.js';
import type { Queryable } from './port.js';

/**
 * Alerts and one delivery per channel for each, in one statement however many jobs owe them
 * (a burst of deadlines owes thousands). Returns the new deliveries' ids.
 */
export async function insertAlerts(db: Queryable, rows: Array<{ jobId: number; alert: AlertIntent; channels: string[] }>): Promise<number[]> {
  if (rows.length === 0) return [];
  const input = rows.map(({ jobId, alert, channels }) => ({ jobId, ...alert, channels }));
  const ids = await db.query<{ id: number }>(
    `with input as (
       select x, nextval(pg_get_serial_sequence('alerts', 'id')) as id from jsonb_array_elements($1::text::jsonb) as x),
     a as (
       insert into alerts (id, job_id, transition, from_health, to_health, at, reason, evidence) overriding system value
       select id, (x->>'jobId')::bigint, x->>'transition', x->>'from', x->>'to', to_timestamp((x->>'at')::float8 / 1000), x->>'reason', x->'evidence'
       from input)
     insert into deliveries (alert_id, channel)
     select input.id, c from input cross join lateral jsonb_array_elements_text(input.x->'channels') as c
     returning id`,
    [JSON.stringify(input)]);
  return ids.map((r) => r.id);
}

/** Channels that were told of a bad health of this job since it last recovered. */
export async function channelsAlertedSinceRecovery(db: Queryable, jobId: number): Promise<string[]> {
  const rows = await db.query<{ channel: string }>(
    `select distinct d.channel from deliveries d join alerts a on a.id = d.alert_id
     where a.job_id = $1 and a.transition <> 'recovered'
       and a.id > coalesce((select max(id) from alerts where job_id = $1 and transition = 'recovered'), 0)`,
    [jobId]);
  return rows.map((r) => r.channel);
}

export interface ClaimedDelivery {
  id: number;
  status: string;
  /** An earlier alert of the same job to the same channel is still on its way. */
  waiting: boolean;
  /** The attempt this worker claimed, or null when it claimed none. */
  attempt: number | null;
  job_id: number;
  project: string;
  job: string;
  channel: string;
  transition: string;
  from_health: string | null;
  to_health: string;
  at: Date;
  reason: string;
  evidence: Record<string, unknown>;
  channel_type: string | null;
  settings: Record<string, string | string[]> | null;
}

/**
 * Reads a delivery and claims its next attempt in one statement. It claims nothing when the
 * delivery is settled, when an earlier alert of the job to the channel is still pending (alerts
 * keep their order), or when another worker claimed the attempt first (compare-and-set on the
 * attempt count). Null when the delivery no longer exists.
 */
export async function claimDelivery(db: Queryable, id: number): Promise<ClaimedDelivery | null> {
  const [row] = await db.query<ClaimedDelivery>(
    `with cur as (
       select d.id, d.status, d.attempts,
         exists (select 1 from deliveries e join alerts ea on ea.id = e.alert_id
                 where ea.job_id = a.job_id and e.channel = d.channel and e.id < d.id and e.status = 'pending') as waiting
       from deliveries d join alerts a on a.id = d.alert_id where d.id = $1),
     claimed as (
       update deliveries set attempts = deliveries.attempts + 1 from cur
       where deliveries.id = cur.id and cur.status = 'pending' and not cur.waiting
         and deliveries.status = 'pending' and deliveries.attempts = cur.attempts
       returning deliveries.id, deliveries.attempts)
     select cur.id, cur.status, cur.waiting, claimed.attempts as attempt, a.job_id, p.name as project, j.name as job, d.channel,
       a.transition, a.from_health, a.to_health, a.at, a.reason, a.evidence, c.type as channel_type, c.settings
     from cur join deliveries d on d.id = cur.id join alerts a on a.id = d.alert_id join jobs j on j.id = a.job_id
     join projects p on p.id = j.project_id
     left join channels c on c.project_id = j.project_id and c.name = d.channel
     left join claimed on claimed.id = cur.id`,
    [id]);
  return row ?? null;
}

/**
 * Records an attempt's result and its timeline entry in one statement: `sent`, `pending` (a retry
 * follows) or `failed` (given up).
 */
export async function settleAttempt(
  db: Queryable, id: number, status: 'sent' | 'pending' | 'failed', error: string | null, jobId: number, entry: TimelineEntry,
): Promise<void> {
  await db.query(
    `with m as (
       update deliveries set status = $2, last_error = $3, sent_at = case when $2 = 'sent' then now() else sent_at end
       where id = $1 returning id)
     insert into timeline (job_id, at, kind, message, data)
     select $4, to_timestamp($5::float8 / 1000), $6, $7, $8::text::jsonb from m`,
    [id, status, error?.slice(0, 500) ?? null, jobId, entry.at, entry.kind, entry.message, entry.data ? JSON.stringify(entry.data) : null]);
}
