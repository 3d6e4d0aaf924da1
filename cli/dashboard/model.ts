// The dashboard's pure logic: order, filters, column widths, and what its columns say.
import { STATUSES, type Status } from '../../schema/vocabulary.js';
import { formatElapsed } from '../../server/core/format.js';
import { relative } from '../output/states.js';
import type { JobView } from '../client.js';

/** Worst first: what needs a person comes to the top. */
const RANK: Record<Status, number> = {
  failed: 0, missing: 1, overrunning: 2, late: 3, running: 4, pending: 5, on_schedule: 6, paused: 7,
};

// One collator for every comparison: String#localeCompare sets one up per call, which made sorting
// 5,000 jobs the web view's largest cost under load (bench/web.mjs).
const byName = new Intl.Collator().compare;

export function sortWorstFirst(jobs: JobView[]): JobView[] {
  const rank = (j: JobView) => Math.min(RANK[j.state] ?? 9, j.state === 'running' && j.health ? (RANK[j.health] ?? 9) + 0.5 : 9);
  return [...jobs].sort((a, b) => rank(a) - rank(b) || byName(a.project, b.project) || byName(a.job, b.job));
}

export interface Filters { text: string; state: Status | null; tag: string | null }

export function applyFilters(jobs: JobView[], f: Filters): JobView[] {
  const text = f.text.trim().toLowerCase();
  return jobs.filter((j) =>
    (f.state === null || j.state === f.state || (f.state !== 'running' && j.health === f.state && j.state === 'running'))
    && (f.tag === null || j.tags.includes(f.tag))
    && (text === '' || `${j.project}/${j.job} ${j.tags.join(' ')} ${j.description ?? ''}`.toLowerCase().includes(text)));
}

/** s cycles: all → each state → all. */
export function nextStateFilter(current: Status | null): Status | null {
  const order: Array<Status | null> = [null, 'failed', 'missing', 'overrunning', 'late', 'running', 'pending', 'on_schedule', 'paused'];
  return order[(order.indexOf(current) + 1) % order.length]!;
}

/** t cycles: all → each tag in use → all. */
export function nextTagFilter(current: string | null, jobs: JobView[]): string | null {
  const tags = [...new Set(jobs.flatMap((j) => j.tags))].sort();
  const order = [null, ...tags];
  return order[(order.indexOf(current) + 1) % order.length] ?? null;
}

export function lastRunText(j: JobView, now: number): string {
  if (!j.lastRun) return j.running.length > 0 ? `started ${relative(j.running[0]!.startedAt, now)}` : 'never';
  const r = j.lastRun;
  const code = r.exitCode !== null ? `exit ${r.exitCode}` : r.outcome === 'failed' ? 'fail' : 'ok';
  return `${relative(r.finishedAt, now)} ${code}`;
}

export function durationText(j: JobView, now: number): string {
  const open = j.running[0];
  if (open) return formatElapsed(now - Date.parse(open.startedAt));
  return j.lastRun?.durationMs != null ? formatElapsed(j.lastRun.durationMs) : '—';
}

export interface Column { key: 'state' | 'job' | 'project' | 'tags' | 'last' | 'took' | 'deadline' | 'history'; title: string; width: number }

/** Columns for a terminal `width` wide: the job name takes what is left; extras appear as room allows. */
export function columns(width: number): Column[] {
  const fixed: Column[] = [
    { key: 'state', title: 'STATE', width: 12 },
    { key: 'job', title: 'JOB', width: 0 },
    ...(width >= 110 ? [{ key: 'project' as const, title: 'PROJECT', width: 14 }] : []),
    ...(width >= 130 ? [{ key: 'tags' as const, title: 'TAGS', width: 16 }] : []),
    { key: 'last', title: 'LAST RUN', width: 16 },
    ...(width >= 95 ? [{ key: 'took' as const, title: 'TOOK', width: 8 }] : []),
    { key: 'deadline', title: 'DEADLINE', width: 11 },
    { key: 'history', title: 'HISTORY', width: width >= 100 ? 16 : 10 },
  ];
  const used = fixed.reduce((n, c) => n + c.width + 1, 0);
  fixed[1]!.width = Math.max(10, width - used - 1);
  return fixed;
}

export function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

export function counts(jobs: JobView[]): Array<[Status, number]> {
  return STATUSES.map((s) => [s, jobs.filter((j) => j.state === s).length] as [Status, number]).filter(([, n]) => n > 0);
}
