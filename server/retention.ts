// Retention (SPEC §9): no ping key can fill the disk. Each job keeps its newest signals, timeline
// entries and alerts up to a count, timeline entries and alerts up to an age, and each project a
// total of each, shared fairly among its jobs (core/retention.ts). A pass prunes on a pg-boss queue
// every interval, in statements of a few thousand rows, so a signal never pays for it.
//
// The pass counts rows itself (retention_counts), from the ids it has not counted yet, a primary
// key range: counting on the signal path would add a write to every signal batch. It counts up to
// the newest id the previous pass saw, an interval ago, by when every transaction that had taken
// a smaller id has ended; it deletes only counted rows, so the counts stay exact.
//
// Nothing the job's state needs is deleted: the state lives whole in jobs.state (open runs, last
// run, history); what reads these tables is the API, and it keeps what the API shows — the
// newest 10 signals of `jobs.get`, the newest page of the timeline, whatever their age. Alerts are
// read by their deliveries and by the routing of a recovery: db/retention.ts (deleteAlerts) keeps
// those an undelivered alert or the next recovery needs, whatever the caps.
import type { PgBoss } from 'pg-boss';
import { formatDuration, parseDuration } from '../schema/duration.js';
import { fairShare } from './core/retention.js';
import type { Database, Queryable } from './db/port.js';
import {
  countRows, countsInProject, deleteAlerts, deleteOldest, deleteOldTimeline, forgetDeletedJobs, jobsOverCaps, lockCounts, lockCursor, newestId,
  probeOldest, projectsOverCaps, saveCursor, type Aged, type JobCounts, type PrunedTable,
} from './db/retention.js';

export const RETENTION_QUEUE = 'pakyas-retention';
/**
 * Stately: at most one pass queued and one active across every replica. A pass that outlives its
 * expiry is handed to another worker while it may still run; the pass is safe so (lockCounts),
 * but it stops itself well before (PASS_BUDGET_MS).
 */
export const RETENTION_QUEUE_OPTIONS = { policy: 'stately', retryLimit: 3, retryDelay: 30, expireInSeconds: 15 * 60 } as const;
const PASS_KEY = 'pass';

/** Signals a job keeps at the least: `jobs.get` (pakyas status JOB) shows the newest 10. */
export const MIN_SIGNALS = 10;
/** Timeline entries each job keeps whatever their age: a page of `pakyas timeline`, so a quiet job still says why it is in its state. */
export const KEEP_TIMELINE = 50;
/** Nothing reads old alerts but their deliveries and recoveries, which keep theirs whatever the caps. */
export const MIN_ALERTS = 1;

const ROWS_PER_STATEMENT = 5000;
/** Fewer alerts than rows of the others: each goes with its deliveries, one per channel it was sent to. */
const ALERTS_PER_STATEMENT = 1000;
const JOBS_PER_STATEMENT = 200;
const AGE_JOBS_PER_PASS = 5000;
const COUNT_WINDOW = 50_000;
/** A pass stops after this; the next one carries on. */
const PASS_BUDGET_MS = 5 * 60_000;

export interface RetentionSettings {
  /** The newest this many signals of each job are kept. */
  signalsPerJob: number;
  /** The newest this many timeline entries of each job are kept (every signal writes one). */
  timelinePerJob: number;
  /** The newest this many alerts of each job are kept (and those still needed: deleteAlerts). */
  alertsPerJob: number;
  /** Timeline entries and alerts older than this go, except each job's newest KEEP_TIMELINE entries (and the alerts still needed). */
  timelineDays: number;
  signalsPerProject: number;
  timelinePerProject: number;
  alertsPerProject: number;
  /** Seconds between passes. */
  intervalSeconds: number;
}

// Defaults (docs/reliability.md has the arithmetic): 1,000 signals a job like Healthchecks' ping
// log (at most ~10 MB of output tails); 10,000 timeline entries, the last 5,000 runs; 1,000 alerts,
// 500 failures and their recoveries (at most ~2 MB of output tails); and per project a hundred
// jobs' worth of each, ~1 GB of signals at most whatever one ping key sends.
export const DEFAULT_RETENTION: RetentionSettings = {
  signalsPerJob: 1000, timelinePerJob: 10_000, alertsPerJob: 1000, timelineDays: 90,
  signalsPerProject: 100_000, timelinePerProject: 1_000_000, alertsPerProject: 100_000, intervalSeconds: 60,
};

interface Variable { key: keyof RetentionSettings; env: string; what: string; min: number; max: number; duration?: true }

const VARIABLES: Variable[] = [
  { key: 'signalsPerJob', env: 'PAKYAS_RETENTION_SIGNALS', what: 'signals kept per job', min: MIN_SIGNALS, max: Number.MAX_SAFE_INTEGER },
  { key: 'timelinePerJob', env: 'PAKYAS_RETENTION_TIMELINE', what: 'timeline entries kept per job', min: KEEP_TIMELINE, max: Number.MAX_SAFE_INTEGER },
  { key: 'alertsPerJob', env: 'PAKYAS_RETENTION_ALERTS', what: 'alerts kept per job', min: MIN_ALERTS, max: Number.MAX_SAFE_INTEGER },
  { key: 'timelineDays', env: 'PAKYAS_RETENTION_DAYS', what: 'days timeline entries and alerts are kept', min: 1, max: 36_500 },
  { key: 'signalsPerProject', env: 'PAKYAS_RETENTION_PROJECT_SIGNALS', what: 'signals kept per project', min: MIN_SIGNALS, max: Number.MAX_SAFE_INTEGER },
  { key: 'timelinePerProject', env: 'PAKYAS_RETENTION_PROJECT_TIMELINE', what: 'timeline entries kept per project', min: KEEP_TIMELINE, max: Number.MAX_SAFE_INTEGER },
  { key: 'alertsPerProject', env: 'PAKYAS_RETENTION_PROJECT_ALERTS', what: 'alerts kept per project', min: MIN_ALERTS, max: Number.MAX_SAFE_INTEGER },
  { key: 'intervalSeconds', env: 'PAKYAS_RETENTION_INTERVAL', what: 'time between prune passes', min: 1, max: 86_400, duration: true },
];

function allowed(v: Variable): string {
  const range = v.duration ? 'a duration from 1s to 1d, like 30s, 5m or 1h'
    : v.max === Number.MAX_SAFE_INTEGER ? `a whole number from ${v.min} up` : `a whole number from ${v.min} to ${v.max}`;
  const def = DEFAULT_RETENTION[v.key];
  return `${range} (the ${v.what}; default ${v.duration ? formatDuration(def) : def})`;
}

/** The settings from PAKYAS_RETENTION_* (unset or empty: the default), or a sentence naming the bad one. */
export function retentionFromEnv(env: Record<string, string | undefined>): { settings: RetentionSettings } | { error: string } {
  const settings = { ...DEFAULT_RETENTION };
  for (const v of VARIABLES) {
    const text = env[v.env]?.trim();
    if (text === undefined || text === '') continue;
    const value = v.duration ? parseDuration(text) : /^\d+$/.test(text) ? Number(text) : null;
    if (value === null || !(value >= v.min && value <= v.max)) return { error: `${v.env} must be ${allowed(v)}, not '${text}'` };
    settings[v.key] = value;
  }
  return { settings };
}

/** Null when the settings are usable; otherwise what is wrong, for ServerOptions.retention. */
export function checkRetention(s: RetentionSettings): string | null {
  for (const v of VARIABLES) {
    const value = s[v.key];
    if (!(Number.isFinite(value) && value >= v.min && value <= v.max && (v.duration || Number.isInteger(value)))) {
      return `retention.${v.key} must be ${allowed(v)}, not ${value}`;
    }
  }
  return null;
}

/** Queues the next pass, unless one is queued already (by this pass's retry, or another replica). */
export async function queueNextPass(boss: PgBoss, afterSeconds: number): Promise<void> {
  await boss.send(RETENTION_QUEUE, {}, { singletonKey: PASS_KEY, startAfter: afterSeconds });
}

/** At start: a pass now, moving forward one queued for later (perhaps by a server with a longer interval). */
export async function queuePassNow(boss: PgBoss): Promise<void> {
  await boss.upsert(RETENTION_QUEUE, {}, { singletonKey: PASS_KEY, startAfter: new Date() });
}

/** Rows deleted, by table; deliveries go with their alerts. */
export type Pruned = Record<PrunedTable | 'deliveries', number>;
type PerTable = Record<PrunedTable, number>;

/** One pass under way: what it may delete (counted rows only), what it has, whether to go on. */
interface Run { upto: PerTable; pruned: Pruned; goOn: () => boolean }

/** Runs passes; one per server, as it remembers how far its age sweeps have gone. */
export class Pruner {
  /**
   * The job id each age sweep has reached. Finding a job's oldest entry is an index probe, ~10 µs:
   * a pass probes at most AGE_JOBS_PER_PASS jobs and the next goes on from there (with 100,000
   * jobs, a sweep every 20 passes; ages are in days). Kept per process: a replica's passes sweep
   * on their own, which only means more often.
   */
  private readonly ageFrom: Record<Aged, number> = { timeline: 0, alerts: 0 };

  constructor(private readonly db: Database, private readonly s: RetentionSettings) {}

  /**
   * One pass: count new rows, then cut projects over their caps, jobs over theirs, and timeline
   * entries and alerts past their age. `more` says whether to go on (false once the server is closing).
   */
  async pass(now: number, more: () => boolean = () => true): Promise<Pruned> {
    const started = Date.now();
    const run: Run = {
      upto: { signals: await countNew(this.db, 'signals'), timeline: await countNew(this.db, 'timeline'), alerts: await countNew(this.db, 'alerts') },
      pruned: { signals: 0, timeline: 0, alerts: 0, deliveries: 0 },
      goOn: () => more() && Date.now() - started < PASS_BUDGET_MS,
    };
    await forgetDeletedJobs(this.db);
    await this.shareProjectCaps(run);
    await this.capJobs(run);
    const before = now - this.s.timelineDays * 86_400_000;
    await this.age(run, 'timeline', before);
    await this.age(run, 'alerts', before);
    return run.pruned;
  }

  /** Each project over its caps: its noisiest jobs are cut to a fair share. */
  private async shareProjectCaps(run: Run): Promise<void> {
    const s = this.s;
    const share = (counts: JobCounts[], table: PrunedTable, perJob: number, perProject: number, floor: number) =>
      Math.min(perJob, fairShare(counts.map((c) => Math.min(c[table], perJob)), perProject, floor));
    for (const projectId of await projectsOverCaps(this.db, s)) {
      if (!run.goOn()) return;
      const counts = await countsInProject(this.db, projectId);
      const caps: PerTable = {
        signals: share(counts, 'signals', s.signalsPerJob, s.signalsPerProject, MIN_SIGNALS),
        timeline: share(counts, 'timeline', s.timelinePerJob, s.timelinePerProject, KEEP_TIMELINE),
        alerts: share(counts, 'alerts', s.alertsPerJob, s.alertsPerProject, MIN_ALERTS),
      };
      await trim(this.db, counts.filter((c) => c.signals > caps.signals || c.timeline > caps.timeline || c.alerts > caps.alerts).map((c) => c.job_id), caps, run);
    }
  }

  private async capJobs(run: Run): Promise<void> {
    const caps: PerTable = { signals: this.s.signalsPerJob, timeline: this.s.timelinePerJob, alerts: this.s.alertsPerJob };
    for (let after = 0; run.goOn();) {
      const page = await jobsOverCaps(this.db, caps, after, JOBS_PER_STATEMENT);
      if (page.length === 0) return;
      await trim(this.db, page.map((c) => c.job_id), caps, run);
      after = page.at(-1)!.job_id;
    }
  }

  /**
   * Timeline entries written before `before` go, but for each job's newest KEEP_TIMELINE; alerts
   * likewise, but for those still needed (deleteAlerts).
   */
  private async age(run: Run, table: Aged, before: number): Promise<void> {
    const keep = table === 'timeline' ? KEEP_TIMELINE : 0;
    for (let probed = 0; probed < AGE_JOBS_PER_PASS && run.goOn();) {
      const page = await probeOldest(this.db, table, keep, before, this.ageFrom[table], JOBS_PER_STATEMENT);
      probed += page.length;
      this.ageFrom[table] = page.length < JOBS_PER_STATEMENT ? 0 : page.at(-1)!.job_id;
      const old = page.filter((p) => p.old).map((p) => p.job_id);
      for (let full = old.length > 0; full && run.goOn();) {
        full = tally(run, await this.db.transaction(async (tx): Promise<Cut> => {
          const locked = (await lockCounts(tx, old)).map((c) => c.job_id);
          if (table === 'alerts') return cutAlerts(tx, locked, { before }, run.upto.alerts);
          const n = total(await deleteOldTimeline(tx, locked, before, KEEP_TIMELINE, run.upto.timeline, ROWS_PER_STATEMENT));
          return { pruned: { timeline: n }, full: n === ROWS_PER_STATEMENT };
        }));
      }
      if (this.ageFrom[table] === 0) return;
    }
  }
}
/**
 * Counts the rows up to the newest id the previous pass saw, then remembers the newest id now for
 * the next pass. Returns the id up to which rows are counted (and may be deleted).
 */
async function countNew(db: Database, table: PrunedTable): Promise<number> {
  for (;;) {
    const counted = await db.transaction(async (tx) => {
      const cursor = await lockCursor(tx, table);
      if (cursor.countedUpto >= cursor.seenMax) {
        await saveCursor(tx, table, { countedUpto: cursor.countedUpto, seenMax: await newestId(tx, table) });
        return cursor.countedUpto;
      }
      const upto = Math.min(cursor.seenMax, cursor.countedUpto + COUNT_WINDOW);
      await countRows(tx, table, cursor.countedUpto, upto);
      await saveCursor(tx, table, { countedUpto: upto, seenMax: cursor.seenMax });
      return null;
    });
    if (counted !== null) return counted;
  }
}

/** Cuts these jobs' oldest rows down to the caps, a transaction per few thousand rows. */
async function trim(db: Database, jobIds: number[], caps: PerTable, run: Run): Promise<void> {
  for (let i = 0; i < jobIds.length; i += JOBS_PER_STATEMENT) {
    const chunk = jobIds.slice(i, i + JOBS_PER_STATEMENT);
    for (let full = true; full && run.goOn();) {
      // A statement that deleted fewer than its limit finished its jobs (or skipped rows an apply
      // is deleting with their job, or counts another pass holds, or alerts still needed: those
      // wait for the next pass).
      full = tally(run, await db.transaction(async (tx): Promise<Cut> => {
        const counts = await lockCounts(tx, chunk);
        const cut: Cut = { pruned: {}, full: false };
        for (const table of ['signals', 'timeline'] as const) {
          const plan = counts.filter((c) => c[table] > caps[table]).map((c) => ({ jobId: c.job_id, count: c[table] - caps[table] }));
          const n = total(await deleteOldest(tx, table, plan, run.upto[table], ROWS_PER_STATEMENT));
          cut.pruned[table] = n;
          cut.full ||= n === ROWS_PER_STATEMENT;
        }
        const alerts = await cutAlerts(tx, counts.filter((c) => c.alerts > caps.alerts).map((c) => c.job_id), { keep: caps.alerts }, run.upto.alerts);
        return { pruned: { ...cut.pruned, ...alerts.pruned }, full: cut.full || alerts.full };
      }));
    }
  }
}

/** What a transaction deleted, and whether a statement of it reached its limit (so more may be left). */
interface Cut { pruned: Partial<Pruned>; full: boolean }

/** Adds what a committed transaction deleted to the pass; whether to go on. */
function tally(run: Run, cut: Cut): boolean {
  for (const [table, n] of Object.entries(cut.pruned) as Array<[keyof Pruned, number]>) run.pruned[table] += n;
  return cut.full;
}

/** One statement of alerts (and their deliveries) cut from these jobs. */
async function cutAlerts(tx: Queryable, jobIds: number[], cut: { keep: number } | { before: number }, upto: number): Promise<Cut> {
  const gone = await deleteAlerts(tx, jobIds, cut, upto, ALERTS_PER_STATEMENT);
  const n = total(gone.alerts);
  return { pruned: { alerts: n, deliveries: gone.deliveries }, full: n === ALERTS_PER_STATEMENT };
}

function total(perJob: Map<number, number>): number {
  let n = 0;
  for (const v of perJob.values()) n += v;
  return n;
}
