// Signals as received: the evidence behind every judgement.
import type { Queryable } from './port.js';

export interface SignalInsert {
  jobId: number;
  kind: 'start' | 'success' | 'fail' | 'log';
  receivedAt: number;
  occurredAt: number;
  replayed: boolean;
  judged: boolean;
  rid: string | null;
  exitCode: number | null;
  durationMs: number | null;
  host: string | null;
  userAgent: string | null;
  body: string | null;
  bodyCutBytes: number;
}

export async function insertSignal(db: Queryable, s: SignalInsert): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    `insert into signals (job_id, kind, received_at, occurred_at, replayed, judged, rid, exit_code, duration_ms, host, user_agent, body, body_cut_bytes)
     values ($1, $2, to_timestamp($3::float8 / 1000), to_timestamp($4::float8 / 1000), $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id`,
    [s.jobId, s.kind, s.receivedAt, s.occurredAt, s.replayed, s.judged, s.rid, s.exitCode, s.durationMs, s.host, s.userAgent, s.body, s.bodyCutBytes]);
  return row!.id;
}

export interface SignalRow {
  id: number; kind: string; received_at: Date; occurred_at: Date; replayed: boolean; rid: string | null;
  exit_code: number | null; duration_ms: number | null; host: string | null; body: string | null; body_cut_bytes: number;
}

export async function listSignals(db: Queryable, jobId: number, limit: number): Promise<SignalRow[]> {
  return db.query<SignalRow>(
    `select id, kind, received_at, occurred_at, replayed, rid, exit_code, duration_ms, host, body, body_cut_bytes
     from signals where job_id = $1 order by id desc limit $2`, [jobId, limit]);
}

export async function countSignals(db: Queryable): Promise<Array<{ kind: string; count: number }>> {
  return db.query('select kind, count(*)::int as count from signals group by kind');
}
