// Alerts and their deliveries. A delivery is one (alert, channel) pair: its id is the idempotency
// key a receiver sees, and attempts are claimed by compare-and-set so two workers never both send.
import type { AlertIntent } from '../core/state.js';
import type { Queryable } from './port.js';

export async function insertAlert(db: Queryable, jobId: number, a: AlertIntent): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `insert into alerts (job_id, transition, from_health, to_health, at, reason, evidence)
     values ($1, $2, $3, $4, to_timestamp($5::float8 / 1000), $6, $7::text::jsonb) returning id`,
    [jobId, a.transition, a.from, a.to, a.at, a.reason, JSON.stringify(a.evidence)]);
  return row!.id;
}

export async function insertDeliveries(db: Queryable, alertId: number, channels: string[]): Promise<number[]> {
  if (channels.length === 0) return [];
  const rows = await db.query<{ id: number }>(
    `insert into deliveries (alert_id, channel) select $1, c from jsonb_array_elements_text($2::text::jsonb) as c returning id`,
    [alertId, JSON.stringify(channels)]);
  return rows.map((r) => r.id);
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

export interface DeliveryRow {
  id: number;
  alert_id: number;
  channel: string;
  status: string;
  attempts: number;
  job_id: number;
  project_id: number;
  project: string;
  job: string;
  transition: string;
  from_health: string | null;
  to_health: string;
  at: Date;
  reason: string;
  evidence: Record<string, unknown>;
  channel_type: string | null;
  settings: Record<string, string | string[]> | null;
}

export async function getDelivery(db: Queryable, id: number): Promise<DeliveryRow | null> {
  const [row] = await db.query<DeliveryRow>(
    `select d.id, d.alert_id, d.channel, d.status, d.attempts, a.job_id, j.project_id, p.name as project, j.name as job,
            a.transition, a.from_health, a.to_health, a.at, a.reason, a.evidence, c.type as channel_type, c.settings
     from deliveries d join alerts a on a.id = d.alert_id join jobs j on j.id = a.job_id join projects p on p.id = j.project_id
     left join channels c on c.project_id = j.project_id and c.name = d.channel
     where d.id = $1`, [id]);
  return row ?? null;
}

/** Whether an earlier alert of the same job to the same channel is still on its way: alerts keep their order. */
export async function earlierDeliveryPending(db: Queryable, d: { id: number; job_id: number; channel: string }): Promise<boolean> {
  const rows = await db.query(
    `select 1 from deliveries d join alerts a on a.id = d.alert_id
     where a.job_id = $1 and d.channel = $2 and d.id < $3 and d.status = 'pending' limit 1`, [d.job_id, d.channel, d.id]);
  return rows.length > 0;
}

/** Claims the next attempt; false when another worker already claimed it or the delivery is settled. */
export async function claimAttempt(db: Queryable, id: number, attempts: number): Promise<boolean> {
  const rows = await db.query('update deliveries set attempts = attempts + 1 where id = $1 and attempts = $2 and status = $3 returning id', [id, attempts, 'pending']);
  return rows.length > 0;
}

export async function markDelivered(db: Queryable, id: number): Promise<void> {
  await db.query("update deliveries set status = 'sent', sent_at = now(), last_error = null where id = $1", [id]);
}

export async function markAttemptFailed(db: Queryable, id: number, error: string, final: boolean): Promise<void> {
  await db.query('update deliveries set last_error = $2, status = $3 where id = $1', [id, error.slice(0, 500), final ? 'failed' : 'pending']);
}

export async function lastSignalBody(db: Queryable, jobId: number): Promise<string | null> {
  const [row] = await db.query<{ body: string | null }>('select body from signals where job_id = $1 order by id desc limit 1', [jobId]);
  return row?.body ?? null;
}
