// The dashboard's pure logic: order, filters, column widths, and what its columns say.
import { HISTORY_KEPT, STATUSES, type Status } from '../../schema/vocabulary.js';
import { formatElapsed } from '../../server/core/format.js';
import { relative, stateLabel } from '../output/states.js';
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

/** How long a run has been going, at a second's grain: a run that just started is not "0ms". */
export function runningFor(startedAt: string, now: number): string {
  const ms = now - Date.parse(startedAt);
  return ms < 1000 ? '<1s' : formatElapsed(ms);
}

export function lastRunText(j: JobView, now: number): string {
  // A run under way is what a person wants to know about: how long it has been going.
  const open = j.running[0];
  if (open) return `running ${runningFor(open.startedAt, now)}`;
  if (!j.lastRun) return 'never';
  const r = j.lastRun;
  const code = r.exitCode !== null ? `exit ${r.exitCode}` : r.outcome === 'failed' ? 'fail' : 'ok';
  return `${relative(r.finishedAt, now)} ${code}`;
}

export function durationText(j: JobView, now: number): string {
  const open = j.running[0];
  if (open) return runningFor(open.startedAt, now);
  return j.lastRun?.durationMs != null ? formatElapsed(j.lastRun.durationMs) : '—';
}

export function deadlineText(j: JobView, now: number): string {
  return j.state === 'paused' ? 'paused' : relative(j.deadline, now);
}

export interface Column { key: 'state' | 'job' | 'project' | 'tags' | 'last' | 'took' | 'deadline' | 'history'; title: string; width: number }

/** What a column's cells say, for measuring. */
function cellText(key: Column['key'], j: JobView, now: number): string {
  switch (key) {
    case 'state': return stateLabel(j.state);
    case 'job': return ` ${j.job}`; // the selection mark goes before the name
    case 'project': return j.project;
    case 'tags': return j.tags.join(',');
    case 'last': return lastRunText(j, now);
    case 'took': return durationText(j, now);
    case 'deadline': return deadlineText(j, now);
    case 'history': return 'x'.repeat(j.history.length);
  }
}

/** Past these, a column is cut (with …) rather than widened; the job name takes what is left. */
const MAX_WIDTH: Record<Column['key'], number> = { state: 11, job: 64, project: 20, tags: 24, last: 24, took: 10, deadline: 12, history: HISTORY_KEPT };
/** The order in which columns give up room when the terminal is too narrow (least needed first), and how far. */
const SHRINK_ORDER: Column['key'][] = ['tags', 'project', 'history', 'took', 'deadline', 'state', 'last'];
const MIN_WIDTH: Record<Column['key'], number> = { state: 7, job: 10, project: 7, tags: 4, last: 10, took: 4, deadline: 6, history: 3 };

/**
 * Columns for a terminal `width` wide, each as wide as its content (measured over every job, so
 * that scrolling does not move them). The job name takes what is left, and when the terminal is
 * too narrow it gives up its room first (down to 10), so that no other column, the exit code
 * least of all, is cut while the names have room to spare. Extra columns appear as width allows.
 */
export function columns(width: number, jobs: JobView[] = [], now = Date.now()): Column[] {
  const keys: Array<[Column['key'], string]> = [
    ['state', 'STATE'], ['job', 'JOB'],
    ...(width >= 110 ? [['project', 'PROJECT'] as [Column['key'], string]] : []),
    ...(width >= 130 ? [['tags', 'TAGS'] as [Column['key'], string]] : []),
    ['last', 'LAST RUN'],
    ...(width >= 95 ? [['took', 'TOOK'] as [Column['key'], string]] : []),
    ['deadline', 'DEADLINE'], ['history', 'HISTORY'],
  ];
  const historyCap = width >= 100 ? 16 : 10;
  const cols: Column[] = keys.map(([key, title]) => {
    const content = Math.max(0, ...jobs.map((j) => cellText(key, j, now).length));
    const cap = key === 'history' ? historyCap : MAX_WIDTH[key];
    // Before any job is known, the widths a typical row needs.
    const typical = jobs.length === 0 ? { state: 11, job: 10, project: 12, tags: 12, last: 14, took: 6, deadline: 8, history: historyCap }[key] : 0;
    return { key, title, width: Math.max(title.length, Math.min(cap, Math.max(content, typical))) };
  });
  const job = cols.find((c) => c.key === 'job')!;
  const others = () => cols.reduce((n, c) => n + (c === job ? 0 : c.width) + 1, 0);
  // The name takes the rest (at least 10); past that, other columns shrink, least needed first.
  job.width = Math.max(10, width - others() - 1);
  for (const key of SHRINK_ORDER) {
    const over = others() + job.width + 1 - width;
    if (over <= 0) break;
    const c = cols.find((x) => x.key === key);
    if (c) c.width = Math.max(Math.min(c.width, MIN_WIDTH[key]), c.width - over);
  }
  return cols;
}

export function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

export function counts(jobs: JobView[]): Array<[Status, number]> {
  return STATUSES.map((s) => [s, jobs.filter((j) => j.state === s).length] as [Status, number]).filter(([, n]) => n > 0);
}
