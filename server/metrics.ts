// Counters for GET /metrics (Prometheus text format). Counters are per process, as Prometheus
// expects; job states come from the database, so every replica reports the same ones.
import type { Step } from './core/state.js';

export class Metrics {
  readonly signals = new Map<string, number>();
  readonly transitions = new Map<string, number>();
  readonly alerts = new Map<string, number>();
  /** Delivery attempts by result: sent, retry (a retry follows) or failed (given up). */
  readonly deliveries = new Map<string, number>();
  checks = 0;
  checkLagSecondsSum = 0;
  checkLagSecondsMax = 0;
  httpErrors = 0;
  /** Transactions that wrote signals: with group commit, fewer than the signals. */
  signalTransactions = 0;
  /** Signal batches by how they were written (server/signals.ts, BatchWrite). */
  readonly signalWrites = new Map<string, number>();
  /** Rows deleted by retention passes, by table; each present from the start, as counters should be. */
  readonly pruned = new Map<string, number>([['signals', 0], ['timeline', 0], ['alerts', 0], ['deliveries', 0]]);

  countSignal(kind: string): void { inc(this.signals, kind); }

  countStep(result: Step): void {
    for (const e of result.timeline) if (e.kind === 'transition') inc(this.transitions, String(e.data?.to ?? 'unknown'));
    for (const a of result.alerts) inc(this.alerts, a.transition);
  }

  countPruned(table: string, rows: number): void { inc(this.pruned, table, rows); }

  countDelivery(status: 'sent' | 'pending' | 'failed'): void { inc(this.deliveries, status === 'pending' ? 'retry' : status); }

  countCheck(lagMs: number): void {
    const lag = Math.max(0, lagMs) / 1000;
    this.checks++;
    this.checkLagSecondsSum += lag;
    this.checkLagSecondsMax = Math.max(this.checkLagSecondsMax, lag);
  }
}

function inc(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderMetrics(m: Metrics, jobs: Array<{ project: string; job: string; status: string }>, statuses: readonly string[]): string {
  const out: string[] = [];
  // The job's name is `pakyas_job`, not `job`: Prometheus sets `job` on every scraped series (the
  // scrape job's name) and would rename ours to `exported_job`, so `{job="backup"}` would match nothing.
  out.push('# HELP pakyas_job_state The state of each job: 1 for its current state, 0 for the others.', '# TYPE pakyas_job_state gauge');
  for (const j of jobs) {
    for (const s of statuses) out.push(`pakyas_job_state{project="${esc(j.project)}",pakyas_job="${esc(j.job)}",state="${s}"} ${j.status === s ? 1 : 0}`);
  }
  out.push('# HELP pakyas_jobs Jobs by state.', '# TYPE pakyas_jobs gauge');
  for (const s of statuses) out.push(`pakyas_jobs{state="${s}"} ${jobs.filter((j) => j.status === s).length}`);
  out.push('# HELP pakyas_signals_total Signals received by this process, by kind.', '# TYPE pakyas_signals_total counter');
  for (const [k, v] of m.signals) out.push(`pakyas_signals_total{kind="${esc(k)}"} ${v}`);
  out.push('# HELP pakyas_signal_transactions_total Transactions that stored signals (signals are written in batches under load).', '# TYPE pakyas_signal_transactions_total counter');
  out.push(`pakyas_signal_transactions_total ${m.signalTransactions}`);
  out.push('# HELP pakyas_signal_batches_total Signal batches by how they were written: statement (judged from this process\'s copy of the jobs, one statement), transaction (the same, with alerts or ticks), locked (jobs read and locked first: not cached here, or changed since).', '# TYPE pakyas_signal_batches_total counter');
  for (const [k, v] of m.signalWrites) out.push(`pakyas_signal_batches_total{write="${esc(k)}"} ${v}`);
  out.push('# HELP pakyas_transitions_total Health transitions judged by this process, by new health.', '# TYPE pakyas_transitions_total counter');
  for (const [k, v] of m.transitions) out.push(`pakyas_transitions_total{to="${esc(k)}"} ${v}`);
  out.push('# HELP pakyas_alerts_total Alerts owed by transitions judged by this process.', '# TYPE pakyas_alerts_total counter');
  for (const [k, v] of m.alerts) out.push(`pakyas_alerts_total{transition="${esc(k)}"} ${v}`);
  out.push('# HELP pakyas_alert_deliveries_total Alert delivery attempts made by this process, by result (sent, retry, failed).', '# TYPE pakyas_alert_deliveries_total counter');
  for (const [k, v] of m.deliveries) out.push(`pakyas_alert_deliveries_total{result="${esc(k)}"} ${v}`);
  out.push('# HELP pakyas_pruned_total Rows deleted by this process\'s retention passes, by table (signals, timeline, alerts, deliveries).', '# TYPE pakyas_pruned_total counter');
  for (const [k, v] of m.pruned) out.push(`pakyas_pruned_total{table="${esc(k)}"} ${v}`);
  out.push('# HELP pakyas_check_lag_seconds How late deadline and overrun checks ran after their time.', '# TYPE pakyas_check_lag_seconds summary');
  out.push(`pakyas_check_lag_seconds_sum ${m.checkLagSecondsSum}`, `pakyas_check_lag_seconds_count ${m.checks}`);
  out.push('# HELP pakyas_check_lag_seconds_max The largest check lag seen by this process.', '# TYPE pakyas_check_lag_seconds_max gauge');
  out.push(`pakyas_check_lag_seconds_max ${m.checkLagSecondsMax}`);
  return `${out.join('\n')}\n`;
}
