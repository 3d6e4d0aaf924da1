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
