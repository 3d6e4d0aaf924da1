// A signal in: one transaction that stores it, judges it (unless the job is paused) and writes
// what the judgement produced. A 2xx is answered only after this commits.
import type { AfterCommit, JudgeDeps } from './judge.js';
import { persistStep } from './judge.js';
import type { SignalEvent, Status } from './core/state.js';
import { step } from './core/status.js';
import { lockJobByPingKey } from './db/jobs.js';

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

export async function recordSignal(deps: JudgeDeps, s: IncomingSignal, now = Date.now()): Promise<SignalOutcome> {
  const after: AfterCommit = [];
  const outcome = await deps.db.transaction(async (tx): Promise<SignalOutcome> => {
    const job = await lockJobByPingKey(tx, s.pingKey, s.job);
    // Unknown key or job: nothing is stored (SPEC §3).
    if (!job) return { ok: false, reason: 'not_found' };
    const replayed = s.occurredAt !== null;
    const at = s.occurredAt ?? now;
    const judged = job.state.paused === null;
    const event: SignalEvent = {
      type: 'signal', kind: s.kind, at, rid: s.rid, exitCode: s.exitCode, durationMs: s.durationMs, host: s.host, replayed,
      message: s.kind === 'log' && s.body ? firstLine(s.body) : null,
    };
    const r = step(job.spec, job.state, event, now);
    await persistStep(deps, tx, job, job.spec, r, after, {
      kind: s.kind, received_at: new Date(now).toISOString(), occurred_at: new Date(at).toISOString(), replayed, judged,
      rid: s.rid, exit_code: s.exitCode, duration_ms: s.durationMs, host: s.host, user_agent: s.userAgent, body: s.body, body_cut_bytes: s.bodyCutBytes,
    });
    return { ok: true, project: job.project, job: job.name, status: r.state.status, judged };
  });
  for (const f of after) f();
  return outcome;
}

function firstLine(body: string): string {
  const line = body.trim().split('\n').at(-1) ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
