// Signals in. Each signal is stored, judged (unless its job is paused) and its judgement written
// in one transaction, and a 2xx is answered only after that transaction commits.
//
// Group commit: signals that arrive while earlier ones are being written wait and go together in
// the next transaction, which locks all their jobs in one statement and writes all their results
// in one statement. A lone signal is written at once; under load, the lock-judge-write cycle and
// its commit are paid per batch instead of per signal.
import type { Judged, JudgeDeps } from './judge.js';
import { needsTransaction, persistSteps, planWrites, writePlanned } from './judge.js';
import type { Status } from '../schema/vocabulary.js';
import type { SignalEvent, Step } from './core/state.js';
import { step } from './core/status.js';
import { lockJobsByPingKey, type JobRow } from './db/jobs.js';
import { alone, isUnavailable, transact, type Transaction } from './db/port.js';
import { jobKey } from './job-cache.js';

export interface IncomingSignal {
  pingKey: string;
  job: string;
  kind: SignalEvent['kind'];
  exitCode: number | null;
  rid: string | null;
  durationMs: number | null;
  host: string | null;
  userAgent: string | null;
  body: string | null;
  bodyCutBytes: number;
  /** The sender's time, for a replayed signal (already checked to be at most 24 h old). */
  occurredAt: number | null;
}

export type SignalOutcome =
  | { ok: true; project: string; job: string; status: Status; judged: boolean }
  | { ok: false; reason: 'not_found' };

/** A signal and the time it was received, which is when it is judged to have happened. */
export interface Received { signal: IncomingSignal; now: number }

export async function recordSignal(deps: JudgeDeps, s: IncomingSignal, now = Date.now()): Promise<SignalOutcome> {
  const [outcome] = await recordSignals(deps, [{ signal: s, now }]);
  return outcome!;
}

/**
 * Records signals, in the order given; outcomes in the same order. When every job of the batch is
 * in this process's cache (server/job-cache.ts), the signals are judged from it and written in one
 * statement, without a transaction around it when they owe no alert and queue no tick; the rows
 * that changed since they were cached are not written, and their signals are recorded again the
 * locked way. Otherwise the jobs are locked, judged and written in one transaction.
 */
export async function recordSignals(deps: JudgeDeps, batch: Received[], told: (how: BatchWrite) => void = () => {}): Promise<SignalOutcome[]> {
  const cached: JobRow[] = [];
  for (const { signal } of batch) {
    const row = deps.jobs.get(signal.pingKey, signal.job);
    if (!row) { told('locked'); return recordLocked(deps, batch); }
    cached.push(row);
  }
  const { judged, outcomes } = judgeBatch(cached, batch);
  const writes = planWrites([...judged.values()].filter((j) => j.steps.length > 0), false);
  const write = (tx: Transaction) => writePlanned(deps, tx, writes);
  const inTransaction = needsTransaction(deps, writes);
  told(inTransaction ? 'transaction' : 'statement');
  const done = inTransaction ? await transact(deps.db, write) : await alone(deps.db, write);
  const again = batch.map((r, i) => ({ r, i })).filter(({ i }) => !done.has(cached[i]!.id));
  if (again.length > 0) {
    told('locked');
    const redone = await recordLocked(deps, again.map(({ r }) => r));
    again.forEach(({ i }, k) => { outcomes[i] = redone[k]!; });
  }
  return outcomes;
}

/**
 * How a batch was written: one statement on its own, one statement with alerts or ticks in a
 * transaction, or (jobs not cached, or changed since) locked in a transaction. For /metrics.
 */
export type BatchWrite = 'statement' | 'transaction' | 'locked';

/** Locks the batch's jobs, judges the signals and writes the results in one transaction. */
async function recordLocked(deps: JudgeDeps, batch: Received[]): Promise<SignalOutcome[]> {
  return transact(deps.db, async (tx) => {
    const keys = new Map<string, { pingKey: string; name: string }>();
    for (const { signal } of batch) keys.set(jobKey(signal.pingKey, signal.job), { pingKey: signal.pingKey, name: signal.job });
    const { judged, outcomes } = judgeBatch(await lockJobsByPingKey(tx, [...keys.values()]), batch);
    await persistSteps(deps, tx, [...judged.values()].filter((j) => j.steps.length > 0));
    return outcomes;
  });
}

/** Judges each signal, in order, from the state the one before it left its job in. */
function judgeBatch(rows: JobRow[], batch: Received[]): { judged: Map<string, Judged>; outcomes: SignalOutcome[] } {
  const judged = new Map<string, Judged>();
  for (const row of rows) judged.set(jobKey(row.ping_key, row.name), { job: row, spec: row.spec, steps: [], signals: [], stored: row.next_check_at });
  const outcomes = batch.map(({ signal: s, now }): SignalOutcome => {
    const j = judged.get(jobKey(s.pingKey, s.job));
    // Unknown key or job: nothing is stored (SPEC §3).
    if (!j) return { ok: false, reason: 'not_found' };
    const state = j.steps.at(-1)?.state ?? j.job.state;
    const replayed = s.occurredAt !== null;
    const at = s.occurredAt ?? now;
    const isJudged = state.paused === null;
    const event: SignalEvent = {
      type: 'signal', kind: s.kind, at, rid: s.rid, exitCode: s.exitCode, durationMs: s.durationMs, host: s.host, replayed,
      message: s.kind === 'log' && s.body ? firstLine(s.body) : null, output: s.body,
    };
    const r: Step = step(j.spec, state, event, now);
    j.steps.push(r);
    j.signals.push({
      kind: s.kind, received_at: new Date(now).toISOString(), occurred_at: new Date(at).toISOString(), replayed, judged: isJudged,
      rid: s.rid, exit_code: s.exitCode, duration_ms: s.durationMs, host: s.host, user_agent: s.userAgent, body: s.body, body_cut_bytes: s.bodyCutBytes,
    });
    return { ok: true, project: j.job.project, job: j.job.name, status: r.state.status, judged: isJudged };
  });
  return { judged, outcomes };
}

export interface SignalQueueOptions {
  /** Transactions in flight at once; more signals wait for the next one. */
  concurrency: number;
  /** Signals in one transaction at most. */
  maxBatch: number;
  /** Told of each batch written and how many signals it carried (for /metrics). */
  onTransaction?: (signals: number) => void;
  /** Told how each batch was written (for /metrics); a batch written again locked is told twice. */
  onWrite?: (how: BatchWrite) => void;
}

/**
 * Collects signals into batches (see the top of this file). A batch that fails for a reason other
 * than the database being unavailable (a deadlock with an apply, say) is retried one signal per
 * transaction, so that one signal's trouble is never another's.
 */
export class SignalQueue {
  private waiting: Array<Received & { resolve: (o: SignalOutcome) => void; reject: (e: unknown) => void }> = [];
  private running = 0;
  private scheduled = false;

  constructor(private readonly deps: JudgeDeps, private readonly options: SignalQueueOptions) {}

  record(signal: IncomingSignal, now = Date.now()): Promise<SignalOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ signal, now, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves once every signal handed to record() has been written (or has failed). */
  async drain(): Promise<void> {
    while (this.running > 0 || this.waiting.length > 0 || this.scheduled) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * Batches start from setImmediate, after the event loop has read every request that has arrived:
   * an embedded database works in microtasks, and a batch started at once would run to its end
   * before the next request is even parsed, one signal at a time.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.scheduled = false; this.pump(); });
  }

  private pump(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.running++;
      void this.run(batch).finally(() => { this.running--; this.schedule(); });
    }
  }

  private async run(batch: SignalQueue['waiting']): Promise<void> {
    try {
      const outcomes = await recordSignals(this.deps, batch, this.options.onWrite);
      this.options.onTransaction?.(batch.length);
      batch.forEach((item, i) => item.resolve(outcomes[i]!));
    } catch (err) {
      if (batch.length === 1 || isUnavailable(err)) { for (const item of batch) item.reject(err); return; }
      for (const item of batch) {
        await recordSignal(this.deps, item.signal, item.now).then((o) => { this.options.onTransaction?.(1); item.resolve(o); }, item.reject);
      }
    }
  }
}


/** A log signal's message: the first line of its body, at most 300 characters. */
function firstLine(body: string): string {
  const line = body.trim().split('\n')[0]!.trimEnd();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
