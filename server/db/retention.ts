// Retention: counting each job's signals, timeline entries and alerts, and deleting the oldest of
// them (server/retention.ts runs the pass). Deletes take row locks with `skip locked` and never wait:
// a row an apply is deleting along with its job is left to the apply, so the two cannot deadlock.
import type { Queryable } from './port.js';

export type PrunedTable = 'signals' | 'timeline' | 'alerts';
/** The tables whose rows are cut oldest first with no exception (alerts have some: deleteAlerts). */
type OldestFirst = 'signals' | 'timeline';

/** Rows with ids up to `countedUpto` are counted; `seenMax` is counted by the next pass. */
export interface Cursor { countedUpto: number; seenMax: number }

export interface JobCounts { job_id: number; signals: number; timeline: number; alerts: number }

// One statement per table where the table is the only difference; the name never comes from input.
const NEWEST: Record<PrunedTable, string> = {
  signals: 'select coalesce(max(id), 0)::bigint as id from signals',
  timeline: 'select coalesce(max(id), 0)::bigint as id from timeline',
  alerts: 'select coalesce(max(id), 0)::bigint as id from alerts',
};

const COUNT: Record<PrunedTable, string> = {
  signals: `insert into retention_counts (job_id, signals)
    select job_id, count(*) from signals where id > $1 and id <= $2 group by job_id order by job_id
    on conflict (job_id) do update set signals = retention_counts.signals + excluded.signals`,
  timeline: `insert into retention_counts (job_id, timeline)
    select job_id, count(*) from timeline where id > $1 and id <= $2 group by job_id order by job_id
    on conflict (job_id) do update set timeline = retention_counts.timeline + excluded.timeline`,
  alerts: `insert into retention_counts (job_id, alerts)
    select job_id, count(*) from alerts where id > $1 and id <= $2 group by job_id order by job_id
    on conflict (job_id) do update set alerts = retention_counts.alerts + excluded.alerts`,
};

/**
 * Deletes each planned job's oldest counted rows, `count` of them, `limit` in all; the counts
 * follow. The counts rows are found through the plan's job ids (`= any(array(…))`): joined on
 * what was deleted alone, the planner scans every job's counts.
 */
const DELETE_OLDEST: Record<OldestFirst, string> = {
  signals: deleteOldestSql('signals'),
  timeline: deleteOldestSql('timeline'),
};

function deleteOldestSql(table: OldestFirst): string {
  return `with plan as (
      select (p->>'jobId')::bigint as job_id, (p->>'count')::bigint as n from jsonb_array_elements($1::text::jsonb) as p),
    victims as (
      select v.id from plan cross join lateral (
        select id from ${table} where job_id = plan.job_id and id <= $2 order by id limit plan.n for update skip locked) as v
      limit $3),
    gone as (delete from ${table} where id in (select id from victims) returning job_id)
    update retention_counts c set ${table} = c.${table} - g.n
    from (select job_id, count(*)::bigint as n from gone group by job_id) as g
    where c.job_id = g.job_id and c.job_id = any(array(select job_id from plan))
    returning c.job_id, g.n`;
}

export async function lockCursor(tx: Queryable, table: PrunedTable): Promise<Cursor> {
  const [row] = await tx.query<{ counted_upto: number; seen_max: number }>(
    'select counted_upto, seen_max from retention_cursor where name = $1 for update', [table]);
  return { countedUpto: row!.counted_upto, seenMax: row!.seen_max };
}

export async function saveCursor(tx: Queryable, table: PrunedTable, cursor: Cursor): Promise<void> {
  await tx.query('update retention_cursor set counted_upto = $2, seen_max = $3 where name = $1', [table, cursor.countedUpto, cursor.seenMax]);
}

export async function newestId(tx: Queryable, table: PrunedTable): Promise<number> {
  const [row] = await tx.query<{ id: number }>(NEWEST[table]);
  return row!.id;
}

/** Adds the rows with ids in (after, upto] to their jobs' counts (a primary key range: cheap). */
export async function countRows(tx: Queryable, table: PrunedTable, after: number, upto: number): Promise<void> {
  await tx.query(COUNT[table], [after, upto]);
}

/** Drops the counts of jobs that no longer exist (their rows went with them). */
export async function forgetDeletedJobs(db: Queryable): Promise<void> {
  await db.query('delete from retention_counts c where not exists (select 1 from jobs j where j.id = c.job_id)');
}

/** Projects whose jobs, each counted up to its own cap, hold more than the project's cap. */
export async function projectsOverCaps(
  db: Queryable,
  caps: { signalsPerJob: number; timelinePerJob: number; alertsPerJob: number; signalsPerProject: number; timelinePerProject: number; alertsPerProject: number },
): Promise<number[]> {
  const rows = await db.query<{ project_id: number }>(
    `select j.project_id from retention_counts c join jobs j on j.id = c.job_id
     group by j.project_id
     having sum(least(c.signals, $1)) > $4 or sum(least(c.timeline, $2)) > $5 or sum(least(c.alerts, $3)) > $6
     order by j.project_id`,
    [caps.signalsPerJob, caps.timelinePerJob, caps.alertsPerJob, caps.signalsPerProject, caps.timelinePerProject, caps.alertsPerProject]);
  return rows.map((r) => r.project_id);
}

export async function countsInProject(db: Queryable, projectId: number): Promise<JobCounts[]> {
  return db.query<JobCounts>(
    `select c.job_id, c.signals, c.timeline, c.alerts from retention_counts c join jobs j on j.id = c.job_id
     where j.project_id = $1 order by c.job_id`, [projectId]);
}

/** Up to `limit` jobs after `afterJobId` holding more signals, timeline entries or alerts than these caps. */
export async function jobsOverCaps(db: Queryable, caps: Record<PrunedTable, number>, afterJobId: number, limit: number): Promise<JobCounts[]> {
  return db.query<JobCounts>(
    `select job_id, signals, timeline, alerts from retention_counts
     where job_id > $4 and (signals > $1 or timeline > $2 or alerts > $3) order by job_id limit $5`,
    [caps.signals, caps.timeline, caps.alerts, afterJobId, limit]);
}

/** The tables cut by age too. */
export type Aged = 'timeline' | 'alerts';

const PROBE_OLDEST: Record<Aged, string> = {
  timeline: probeOldestSql('timeline'),
  alerts: probeOldestSql('alerts'),
};

function probeOldestSql(table: Aged): string {
  return `select c.job_id, coalesce((select t.at from ${table} t where t.job_id = c.job_id order by t.id limit 1) < to_timestamp($2::float8 / 1000), false) as old
     from (select job_id from retention_counts where job_id > $3 and ${table} > $1 order by job_id limit $4) as c
     order by c.job_id`;
}

/**
 * The next `limit` jobs after `afterJobId` with more than `keep` timeline entries (or alerts), each
 * with whether its oldest was written before `before` (epoch ms): one index probe per job.
 */
export async function probeOldest(
  db: Queryable, table: Aged, keep: number, before: number, afterJobId: number, limit: number,
): Promise<Array<{ job_id: number; old: boolean }>> {
  return db.query(PROBE_OLDEST[table], [keep, before, afterJobId, limit]);
}

/**
 * The counts of these jobs, locked until the transaction ends, skipping any another pass holds:
 * two passes never both delete "the oldest k" of one job (that would delete 2k).
 */
export async function lockCounts(tx: Queryable, jobIds: number[]): Promise<JobCounts[]> {
  return tx.query<JobCounts>(
    `select job_id, signals, timeline, alerts from retention_counts
     where job_id = any(array(select jsonb_array_elements_text($1::text::jsonb)::bigint))
     order by job_id for update skip locked`,
    [JSON.stringify(jobIds)]);
}

/**
 * Deletes the oldest `count` rows of each job among those with ids up to `upto` (all counted, so
 * the counts stay exact), `limit` rows at most. Returns the rows deleted per job.
 */
export async function deleteOldest(
  tx: Queryable, table: OldestFirst, plan: Array<{ jobId: number; count: number }>, upto: number, limit: number,
): Promise<Map<number, number>> {
  if (plan.length === 0) return new Map();
  const rows = await tx.query<{ job_id: number; n: number }>(DELETE_OLDEST[table], [JSON.stringify(plan), upto, limit]);
  return new Map(rows.map((r) => [r.job_id, r.n]));
}

/**
 * Deletes each job's timeline entries that come before its first entry written at or after
 * `before` (epoch ms), except its newest `keep`; only counted ids (up to `upto`), `limit` rows at
 * most. The cut goes by id: an entry written with an earlier time than one before it (a replayed
 * signal, up to 24 h) goes when that one does.
 */
export async function deleteOldTimeline(
  tx: Queryable, jobIds: number[], before: number, keep: number, upto: number, limit: number,
): Promise<Map<number, number>> {
  if (jobIds.length === 0) return new Map();
  const rows = await tx.query<{ job_id: number; n: number }>(
    `with plan as (select jsonb_array_elements_text($1::text::jsonb)::bigint as job_id),
     victims as (
       select v.id from plan cross join lateral (
         select t.id from timeline t
         where t.job_id = plan.job_id and t.id <= $3
           and t.id < coalesce((select r.id from timeline r where r.job_id = plan.job_id and r.at >= to_timestamp($2::float8 / 1000) order by r.id limit 1), $3 + 1)
           and t.id < (select k.id from timeline k where k.job_id = plan.job_id order by k.id desc offset $4 - 1 limit 1)
         order by t.id limit $5 for update skip locked) as v
       limit $5),
     gone as (delete from timeline where id in (select id from victims) returning job_id)
     update retention_counts c set timeline = c.timeline - g.n
     from (select job_id, count(*)::bigint as n from gone group by job_id) as g
     where c.job_id = g.job_id and c.job_id = any(array(select job_id from plan))
     returning c.job_id, g.n`,
    [JSON.stringify(jobIds), before, upto, keep, limit]);
  return new Map(rows.map((r) => [r.job_id, r.n]));
}

/**
 * Deletes alerts of these jobs, and their deliveries: those not among each job's newest `keep`
 * (`keep` cut) or written before its first alert at or after `before`, epoch ms (`age` cut). Only
 * counted ids (up to `upto`), `limit` alerts at most; the counts follow.
 *
 * Kept whatever the cut, as something still reads them:
 * - an alert with a delivery pending (due, claimed or to be retried): the claim reads the alert,
 *   and deleting it would delete the delivery;
 * - each job's last recovery, and since it, for each channel told of bad news, the newest alert
 *   sent to it. The next recovery goes to the channels told since the last one
 *   (channelsAlertedSinceRecovery): these give the same answer as every alert since, and bound
 *   what is kept by the project's channels, however many bad transitions come between recoveries.
 *
 * Deliveries are deleted here rather than by the cascade, to be counted; as the alerts are locked
 * first (`skip locked`), an apply deleting the job takes them or leaves them, never waits on them.
 */
const DELETE_ALERTS: Record<'keep' | 'age', string> = {
  keep: deleteAlertsSql('(select k.id from alerts k where k.job_id = plan.job_id order by k.id desc offset $3::bigint - 1 limit 1)'),
  age: deleteAlertsSql(`coalesce((select y.id from alerts y where y.job_id = plan.job_id and y.at >= to_timestamp($3::float8 / 1000) order by y.id limit 1), $2 + 1)`),
};

function deleteAlertsSql(below: string): string {
  return `with plan as (select jsonb_array_elements_text($1::text::jsonb)::bigint as job_id),
    bound as (
      select plan.job_id, ${below} as below,
        coalesce((select r.id from alerts r where r.job_id = plan.job_id and r.transition = 'recovered' order by r.id desc limit 1), 0) as recovered
      from plan),
    told as materialized (
      select t.id from bound b cross join lateral (
        select distinct on (d.channel) a.id from alerts a join deliveries d on d.alert_id = a.id
        where a.job_id = b.job_id and a.id > b.recovered and a.transition <> 'recovered'
        order by d.channel, a.id desc) as t),
    victims as (
      select v.id from bound b cross join lateral (
        select a.id from alerts a
        where a.job_id = b.job_id and a.id <= $2 and a.id < b.below and a.id <> b.recovered
          and not exists (select 1 from told where told.id = a.id)
          and not exists (select 1 from deliveries d where d.alert_id = a.id and d.status = 'pending')
        order by a.id limit $4 for update skip locked) as v
      limit $4),
    sent as (delete from deliveries d where d.alert_id in (select id from victims) returning d.id),
    gone as (delete from alerts where id in (select id from victims) returning job_id),
    counted as (
      update retention_counts c set alerts = c.alerts - g.n
      from (select job_id, count(*)::bigint as n from gone group by job_id) as g
      where c.job_id = g.job_id and c.job_id = any(array(select job_id from plan))
      returning c.job_id, g.n)
    select counted.job_id, counted.n, (select count(*) from sent)::bigint as deliveries from counted`;
}

export async function deleteAlerts(
  tx: Queryable, jobIds: number[], cut: { keep: number } | { before: number }, upto: number, limit: number,
): Promise<{ alerts: Map<number, number>; deliveries: number }> {
  if (jobIds.length === 0) return { alerts: new Map(), deliveries: 0 };
  const [sql, bound] = 'keep' in cut ? [DELETE_ALERTS.keep, cut.keep] : [DELETE_ALERTS.age, cut.before];
  const rows = await tx.query<{ job_id: number; n: number; deliveries: number }>(sql, [JSON.stringify(jobIds), upto, bound, limit]);
  return { alerts: new Map(rows.map((r) => [r.job_id, r.n])), deliveries: rows[0]?.deliveries ?? 0 };
}
