// Two pictures of a job's history, hand-drawn in SVG (lighter than a chart library for two
// shapes): run durations against max_duration, and 30 days of outcomes. Each has a fixed size
// from its viewBox (no layout shift), a title and a summary for screen readers, a tooltip per
// mark, and shapes or symbols beside colour.
import { formatElapsed } from '../server/core/format.js';
import { worstOfDay, type Day } from '../server/core/history.js';
import { STATE_SYMBOL } from '../server/core/looks.js';
import { stateLabel } from '../cli/output/states.js';
import type { Status } from '../schema/vocabulary.js';
import type { History } from './api.js';

const W = 600;
const H = 160;
const PAD = { top: 14, right: 8, bottom: 18, left: 48 };

export function DurationChart({ history }: { history: History | null }) {
  const runs = history?.runs ?? [];
  const max = history?.maxDurationMs ?? 0;
  const over = runs.filter((r) => r.durationMs > max).length;
  const sortedMs = runs.map((r) => r.durationMs).sort((a, b) => a - b);
  const median = sortedMs.length ? sortedMs[Math.floor(sortedMs.length / 2)]! : 0;
  const longest = sortedMs.at(-1) ?? 0;
  // The limit on the scale when runs come near it; far below it, the runs fill the height and the
  // limit is named at the top instead (a 1 s run under a 1 h limit would be a hairline).
  const top = max > 0 && max <= longest * 4 ? Math.max(max * 1.15, longest * 1.05) : Math.max(longest * 1.25, 1);
  const offScale = max > top;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (ms: number) => PAD.top + plotH - (Math.min(ms, top) / top) * plotH;
  const slot = plotW / Math.max(runs.length, 1);
  const summary = runs.length === 0
    ? 'No finished runs in the last 30 days.'
    : `${runs.length} runs: median ${formatElapsed(median)}, longest ${formatElapsed(longest)}; ${over} over max_duration ${formatElapsed(max)}.`;
  return (
    <figure className="chart">
      <figcaption>Run durations, newest on the right <span className="muted">({summary})</span></figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="durations-title durations-desc" className="chart-svg">
        <title id="durations-title">Run durations of the last {runs.length} runs against max_duration</title>
        <desc id="durations-desc">{summary}</desc>
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} className="axis" />
        <text x={PAD.left - 4} y={y(0)} className="tick" textAnchor="end" dominantBaseline="middle">0</text>
        {offScale ? <text x={W - PAD.right} y={PAD.top - 2} className="tick" textAnchor="end">{`max_duration ${formatElapsed(max)} is above this scale`}</text> : null}
        {runs.length > 0 ? <text x={PAD.left - 4} y={y(top) + 4} className="tick" textAnchor="end" dominantBaseline="middle">{formatElapsed(top)}</text> : null}
        {max > 0 && !offScale ? (
          <g className="limit">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max)} y2={y(max)} />
            <text x={PAD.left - 4} y={y(max)} className="tick" textAnchor="end" dominantBaseline="middle">{formatElapsed(max)}</text>
            <text x={W - PAD.right} y={y(max) - 4} className="tick" textAnchor="end">max_duration</text>
          </g>
        ) : null}
        {runs.map((r, i) => {
          const x = PAD.left + i * slot + slot * 0.15;
          const kind = r.durationMs > max ? 'overrunning' : r.outcome;
          return (
            <rect key={r.at} x={x} width={Math.max(slot * 0.7, 1)} y={y(r.durationMs)} height={Math.max(y(0) - y(r.durationMs), 1)} className={`bar fill-${kind}`}>
              <title>{`${r.at.replace('T', ' ').slice(0, 19)} UTC: ${formatElapsed(r.durationMs)}, ${stateLabel(r.outcome)}${r.exitCode !== null ? `, exit ${r.exitCode}` : ''}${r.durationMs > max ? ', over max_duration' : ''}`}</title>
            </rect>
          );
        })}
      </svg>
    </figure>
  );
}

const CELL = 20;

export function OutcomeStrip({ days }: { days: Day[] | null }) {
  const list = days ?? [];
  const bad = list.filter((d) => d.counts.failed + d.counts.missing + d.counts.overrunning > 0).length;
  const quiet = list.filter((d) => worstOfDay(d) === null).length;
  const summary = list.length === 0 ? 'Loading.' : `${list.length} days: ${bad} with a failed, missing or overrunning run, ${list.length - bad - quiet} without, ${quiet} with no run.`;
  const width = 30 * CELL;
  return (
    <figure className="chart">
      <figcaption>Outcomes over the last 30 days, today on the right <span className="muted">({summary})</span></figcaption>
      <svg viewBox={`0 0 ${width} ${CELL + 4}`} role="img" aria-labelledby="strip-title strip-desc" className="strip-svg">
        <title id="strip-title">Outcomes over the last 30 days</title>
        <desc id="strip-desc">{summary}</desc>
        {list.map((d, i) => {
          const worst = worstOfDay(d);
          const said = Object.entries(d.counts).filter(([, n]) => n > 0).map(([o, n]) => `${n} ${stateLabel(o as Status)}`).join(', ') || 'no runs';
          return (
            <g key={d.date} transform={`translate(${i * CELL + 1} 2)`}>
              <title>{`${d.date}: ${said}`}</title>
              <rect width={CELL - 2} height={CELL} rx="3" className={worst ? `cell fill-${worst}` : 'cell empty'} />
              <text x={(CELL - 2) / 2} y={CELL / 2} textAnchor="middle" dominantBaseline="central" className="cell-symbol">{worst ? STATE_SYMBOL[worst] : ''}</text>
            </g>
          );
        })}
      </svg>
      <p className="legend">
        {(['on_schedule', 'late', 'failed', 'missing', 'overrunning'] as const).map((o) => (
          <span key={o} className={`state state-${o}`}><span className="symbol" aria-hidden="true">{STATE_SYMBOL[o]}</span>{stateLabel(o)}</span>
        ))}
      </p>
    </figure>
  );
}
