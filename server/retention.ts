// Retention (SPEC §9): no ping key can fill the disk. Each job keeps its newest signals and
// timeline entries up to a count, timeline entries up to an age, and each project a total of
// each, shared fairly among its jobs (core/retention.ts). A pass prunes on a pg-boss queue every
// interval, in statements of a few thousand rows, so a signal never pays for it.
//
// The pass counts rows itself (retention_counts), from the ids it has not counted yet, a primary
// key range: counting on the signal path would add a write to every signal batch. It counts up to
// the newest id the previous pass saw, an interval ago, by when every transaction that had taken
// a smaller id has ended; it deletes only counted rows, so the counts stay exact.
//
// Nothing the job's state needs is deleted: the state lives whole in jobs.state (open runs, last
// run, history); what reads these tables is the API, and it keeps what the API shows — the
// newest 10 signals of `jobs.get`, the newest page of the timeline, whatever their age.
import type { PgBoss } from 'pg-boss';
import { formatDuration, parseDuration } from '../schema/duration.js';
import { fairShare } from './core/retention.js';
import type { Database } from './db/port.js';
import {
  countRows, countsInProject, deleteOldest, deleteOldTimeline, forgetDeletedJobs, jobsOverCaps, lockCounts, lockCursor, newestId,
  probeOldestEntries, projectsOverCaps, saveCursor, type PrunedTable,
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

const ROWS_PER_STATEMENT = 5000;
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
  /** Timeline entries older than this go, except each job's newest KEEP_TIMELINE. */
  timelineDays: number;
  signalsPerProject: number;
  timelinePerProject: number;
  /** Seconds between passes. */
  intervalSeconds: number;
}

// Defaults (docs/reliability.md has the arithmetic): 1,000 signals a job like Healthchecks' ping
// log (at most ~10 MB of output tails); 10,000 timeline entries, the last 5,000 runs; and per
// project a hundred jobs' worth of each, ~1 GB of signals at most whatever one ping key sends.
export const DEFAULT_RETENTION: RetentionSettings = {
  signalsPerJob: 1000, timelinePerJob: 10_000, timelineDays: 90, signalsPerProject: 100_000, timelinePerProject: 1_000_000, intervalSeconds: 60,
};

interface Variable { key: keyof RetentionSettings; env: string; what: string; min: number; max: number; duration?: true }

const VARIABLES: Variable[] = [
  { key: 'signalsPerJob', env: 'PAKYAS_RETENTION_SIGNALS', what: 'signals kept per job', min: MIN_SIGNALS, max: Number.MAX_SAFE_INTEGER },
  { key: 'timelinePerJob', env: 'PAKYAS_RETENTION_TIMELINE', what: 'timeline entries kept per job', min: KEEP_TIMELINE, max: Number.MAX_SAFE_INTEGER },
  { key: 'timelineDays', env: 'PAKYAS_RETENTION_DAYS', what: 'days timeline entries are kept', min: 1, max: 36_500 },
  { key: 'signalsPerProject', env: 'PAKYAS_RETENTION_PROJECT_SIGNALS', what: 'signals kept per project', min: MIN_SIGNALS, max: Number.MAX_SAFE_INTEGER },
  { key: 'timelinePerProject', env: 'PAKYAS_RETENTION_PROJECT_TIMELINE', what: 'timeline entries kept per project', min: KEEP_TIMELINE, max: Number.MAX_SAFE_INTEGER },
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

export type Pruned = Record<PrunedTable, number>;

/** One pass under way: what it may delete (counted rows only), what it has, whether to go on. */
interface Run { upto: Pruned; pruned: Pruned; goOn: () => boolean }

/** Runs passes; one per server, as it remembers how far its age sweep has gone. */
export class Pruner {
  /**
   * The job id the age sweep has reached. Finding a job's oldest entry is an index probe, ~10 µs:
   * a pass probes at most AGE_JOBS_PER_PASS jobs and the next goes on from there (with 100,000
   * jobs, a sweep every 20 passes; ages are in days). Kept per process: a replica's passes sweep
   * on their own, which only means more often.
   */
  private ageFrom = 0;

  constructor(private readonly db: Database, private readonly s: RetentionSettings) {}

  /**
   * One pass: count new rows, then cut projects over their caps, jobs over theirs, and timeline
   * entries past their age. `more` says whether to go on (false once the server is closing).
   */
  async pass(now: number, more: () => boolean = () => true): Promise<Pruned> {
    const started = Date.now();
    const run: Run = {
      upto: { signals: await countNew(this.db, 'signals'), timeline: await countNew(this.db, 'timeline') },
      pruned: { signals: 0, timeline: 0 },
      goOn: () => more() && Date.now() - started < PASS_BUDGET_MS,
    };
    await forgetDeletedJobs(this.db);
    await this.shareProjectCaps(run);
    await this.capJobs(run);
    await this.ageTimeline(run, now - this.s.timelineDays * 86_400_000);
    return run.pruned;
  }

  /** Each project over its caps: its noisiest jobs are cut to a fair share. */
  private async shareProjectCaps(run: Run): Promise<void> {
    const s = this.s;
    for (const projectId of await projectsOverCaps(this.db, s)) {
      if (!run.goOn()) return;
      const counts = await countsInProject(this.db, projectId);
      const caps: Pruned = {
        signals: Math.min(s.signalsPerJob, fairShare(counts.map((c) => Math.min(c.signals, s.signalsPerJob)), s.signalsPerProject, MIN_SIGNALS)),
        timeline: Math.min(s.timelinePerJob, fairShare(counts.map((c) => Math.min(c.timeline, s.timelinePerJob)), s.timelinePerProject, KEEP_TIMELINE)),
      };
      await trim(this.db, counts.filter((c) => c.signals > caps.signals || c.timeline > caps.timeline).map((c) => c.job_id), caps, run);
    }
  }

  private async capJobs(run: Run): Promise<void> {
    const caps: Pruned = { signals: this.s.signalsPerJob, timeline: this.s.timelinePerJob };
    for (let after = 0; run.goOn();) {
      const page = await jobsOverCaps(this.db, caps, after, JOBS_PER_STATEMENT);
      if (page.length === 0) return;
      await trim(this.db, page.map((c) => c.job_id), caps, run);
      after = page.at(-1)!.job_id;
    }
  }

  /** Timeline entries written before `before` go, but for each job's newest KEEP_TIMELINE. */
  private async ageTimeline(run: Run, before: number): Promise<void> {
    for (let probed = 0; probed < AGE_JOBS_PER_PASS && run.goOn();) {
      const page = await probeOldestEntries(this.db, KEEP_TIMELINE, before, this.ageFrom, JOBS_PER_STATEMENT);
      probed += page.length;
      this.ageFrom = page.length < JOBS_PER_STATEMENT ? 0 : page.at(-1)!.job_id;
      const old = page.filter((p) => p.old).map((p) => p.job_id);
      for (let full = old.length > 0; full && run.goOn();) {
        const n = await this.db.transaction(async (tx) => {
          const locked = await lockCounts(tx, old);
          return total(await deleteOldTimeline(tx, locked.map((c) => c.job_id), before, KEEP_TIMELINE, run.upto.timeline, ROWS_PER_STATEMENT));
        });
        run.pruned.timeline += n;
        full = n === ROWS_PER_STATEMENT;
      }
      if (this.ageFrom === 0) return;
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
async function trim(db: Database, jobIds: number[], caps: Pruned, run: Run): Promise<void> {
  for (let i = 0; i < jobIds.length; i += JOBS_PER_STATEMENT) {
    const chunk = jobIds.slice(i, i + JOBS_PER_STATEMENT);
    for (let full = true; full && run.goOn();) {
      const done = await db.transaction(async (tx) => {
        const counts = await lockCounts(tx, chunk);
        const n: Pruned = { signals: 0, timeline: 0 };
        for (const table of ['signals', 'timeline'] as const) {
          const plan = counts.filter((c) => c[table] > caps[table]).map((c) => ({ jobId: c.job_id, count: c[table] - caps[table] }));
          n[table] = total(await deleteOldest(tx, table, plan, run.upto[table], ROWS_PER_STATEMENT));
        }
        return n;
      });
      run.pruned.signals += done.signals;
      run.pruned.timeline += done.timeline;
      // A statement that deleted fewer than its limit finished its jobs (or skipped rows an apply
      // is deleting with their job, or counts another pass holds: those wait for the next pass).
      full = done.signals === ROWS_PER_STATEMENT || done.timeline === ROWS_PER_STATEMENT;
    }
  }
}

function total(perJob: Map<number, number>): number {
  let n = 0;
  for (const v of perJob.values()) n += v;
  return n;
}
