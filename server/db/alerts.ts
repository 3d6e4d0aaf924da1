// Alerts and their deliveries. A delivery is one (alert, channel) pair: its id is the idempotency
// key a receiver sees. Workers claim due deliveries in batches, each attempt under a lease, so two
// workers never both send one attempt and a worker that dies hands its attempts on.
import type { AlertIntent, TimelineEntry } from '../core/state.js';
import type { Queryable } from './port.js';

/**
 * Alerts and one delivery per channel for each, in one statement however many jobs owe them
 * (a burst of deadlines owes thousands), with the timeline entries that go with them (that an
 * alert reached nobody). Returns the new deliveries' ids.
 */
export async function insertAlerts(
  db: Queryable, rows: Array<{ jobId: number; alert: AlertIntent; channels: string[] }>, notes: Array<{ jobId: number; entries: TimelineEntry[] }> = [],
): Promise<number[]> {
  if (rows.length === 0) return [];
  const input = rows.map(({ jobId, alert, channels }) => ({ jobId, ...alert, channels }));
  const ids = await db.query<{ id: number }>(
    `with input as (
       select x, nextval(pg_get_serial_sequence('alerts', 'id')) as id from jsonb_array_elements($1::text::jsonb) as x),
     a as (
       insert into alerts (id, job_id, transition, from_health, to_health, at, reason, evidence) overriding system value
       select id, (x->>'jobId')::bigint, x->>'transition', x->>'from', x->>'to', to_timestamp((x->>'at')::float8 / 1000), x->>'reason', x->'evidence'
       from input),
     notes as (
       insert into timeline (job_id, at, kind, message, data)
       select (e->>'jobId')::bigint, to_timestamp((e->>'at')::float8 / 1000), e->>'kind', e->>'message', e->'data'
       from jsonb_array_elements($2::text::jsonb) as e)
     insert into deliveries (alert_id, job_id, channel, next_attempt_at)
     select input.id, (input.x->>'jobId')::bigint, c, now() from input cross join lateral jsonb_array_elements_text(input.x->'channels') as c
     returning id`,
    [JSON.stringify(input), JSON.stringify(notes.flatMap((n) => n.entries.map((e) => ({ ...e, jobId: n.jobId }))))]);
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
  /** The attempt this worker claimed: 1 for the first. */
  attempt: number;
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
 * Claims the next attempt of up to `limit` due deliveries, earliest first, in one statement, and
 * reads what each must send. A claim lasts `leaseMs`: a worker that dies mid-attempt lets it lapse
 * and another takes the delivery over. A delivery is not claimed while an earlier alert of its job
 * to its channel is still pending (a receiver sees a job's alerts in order), and rows another
 * worker is claiming are skipped, so replicas share a burst without waiting for each other.
 */
export async function claimDueDeliveries(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return db.query<ClaimedDelivery>(
    `with due as (
       select d.id from deliveries d
       where d.status = 'pending' and d.next_attempt_at <= now()
         and (d.claimed_until is null or d.claimed_until < now())
         and not exists (select 1 from deliveries e
                         where e.job_id = d.job_id and e.channel = d.channel and e.status = 'pending' and e.id < d.id)
       order by d.next_attempt_at, d.id limit $1
       for update of d skip locked),
     claimed as (
       update deliveries set attempts = deliveries.attempts + 1, claimed_until = now() + make_interval(secs => $2::float8 / 1000)
       from due where deliveries.id = due.id
       returning deliveries.id, deliveries.attempts, deliveries.alert_id, deliveries.job_id, deliveries.channel)
     select claimed.id, claimed.attempts as attempt, claimed.job_id, p.name as project, j.name as job, claimed.channel,
       a.transition, a.from_health, a.to_health, a.at, a.reason, a.evidence, c.type as channel_type, c.settings
     from claimed join alerts a on a.id = claimed.alert_id join jobs j on j.id = claimed.job_id
     join projects p on p.id = j.project_id
     left join channels c on c.project_id = j.project_id and c.name = claimed.channel
     order by claimed.id`,
    [limit, leaseMs]);
}

export interface SettledAttempt {
  id: number;
  /** The attempt settled: a result from a claim that has lapsed and been taken over changes nothing but the timeline. */
  attempt: number;
  /** `sent`, `pending` (a retry follows at `retryAt`, epoch ms) or `failed` (given up). */
  status: 'sent' | 'pending' | 'failed';
  retryAt: number | null;
  error: string | null;
  jobId: number;
  entry: TimelineEntry;
}

/** Records many attempts' results, and their timeline entries, in one statement. */
export async function settleAttempts(db: Queryable, settled: SettledAttempt[]): Promise<void> {
  if (settled.length === 0) return;
  const input = settled.map((s) => ({ ...s, error: s.error?.slice(0, 500) ?? null }));
  await db.query(
    `with input as (select x, n from jsonb_array_elements($1::text::jsonb) with ordinality as t(x, n)),
     settled as (
       update deliveries d set status = x->>'status', last_error = x->>'error', claimed_until = null,
         sent_at = case when x->>'status' = 'sent' then now() else d.sent_at end,
         next_attempt_at = case when x->>'status' = 'pending'
           then to_timestamp((x->>'retryAt')::float8 / 1000) else d.next_attempt_at end
       from input where d.id = (x->>'id')::bigint and d.status = 'pending' and d.attempts = (x->>'attempt')::int
       returning d.id)
     insert into timeline (job_id, at, kind, message, data)
     select (x->>'jobId')::bigint, to_timestamp((x->'entry'->>'at')::float8 / 1000), x->'entry'->>'kind', x->'entry'->>'message', x->'entry'->'data'
     from input order by n`,
    [JSON.stringify(input)]);
}
