// Signals as received: the evidence behind every judgement.
import type { Queryable } from './port.js';

export interface SignalRow {
  id: number; kind: string; received_at: Date; occurred_at: Date; replayed: boolean; rid: string | null;
  exit_code: number | null; duration_ms: number | null; host: string | null; body: string | null; body_cut_bytes: number;
}

export async function listSignals(db: Queryable, jobId: number, limit: number): Promise<SignalRow[]> {
  return db.query<SignalRow>(
    `select id, kind, received_at, occurred_at, replayed, rid, exit_code, duration_ms, host, body, body_cut_bytes
     from signals where job_id = $1 order by id desc limit $2`, [jobId, limit]);
}

/** The finish signal of the run that finished at `finishedAt` (epoch ms): its output. */
export async function findFinishSignal(db: Queryable, jobId: number, finishedAt: number): Promise<SignalRow | null> {
  const [row] = await db.query<SignalRow>(
    `select id, kind, received_at, occurred_at, replayed, rid, exit_code, duration_ms, host, body, body_cut_bytes
     from signals where job_id = $1 and kind in ('success', 'fail')
       and occurred_at = 'epoch'::timestamptz + round($2::float8)::bigint * interval '1 millisecond'
     order by id desc limit 1`, [jobId, finishedAt]);
  return row ?? null;
}
