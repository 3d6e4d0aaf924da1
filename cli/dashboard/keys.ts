// What each key does to the dashboard, as a pure function: (state, key) → (state, effects). Keys
// that arrive together (`jj` typed fast, a held arrow, a paste) are applied one after another,
// each to the state the one before left, so none is lost and none sees a stale selection.
import type { Key } from 'ink';
import type { JobView } from '../client.js';
import type { FooterMode } from './Footer.js';
import { applyFilters, nextStateFilter, nextTagFilter, sortWorstFirst, type Filters } from './model.js';

export type View = 'table' | 'timeline' | 'help';

export interface UiState {
  view: View;
  mode: FooterMode | null;
  filters: Filters;
  /** The job the cursor is on, by name: it stays on that job when the order changes. */
  selectedKey: string | null;
  /** The job whose timeline is open (it stays open if a filter would now hide it). */
  openKey: string | null;
  /** How many timeline entries from the newest end are scrolled past. */
  scroll: number;
}

export const initialUi: UiState = { view: 'table', mode: null, filters: { text: '', state: null, tag: null }, selectedKey: null, openKey: null, scroll: 0 };

export type Effect =
  | { kind: 'openTimeline'; job: JobView }
  | { kind: 'act'; action: 'pause' | 'resume'; job: JobView }
  | { kind: 'exit' };

export interface KeyContext {
  jobs: JobView[];
  /** Rows a page up or down moves. */
  pageSize: number;
  /** Entries in the open timeline, to bound its scrolling. */
  timelineLength: number;
}

export const keyOf = (j: { project: string; job: string }) => `${j.project}/${j.job}`;

export function visibleJobs(jobs: JobView[], filters: Filters): JobView[] {
  return applyFilters(sortWorstFirst(jobs), filters);
}

/** The row the cursor is on: its job's, or the first when that job is not shown. */
export function selectedIndex(visible: JobView[], selectedKey: string | null): number {
  const i = selectedKey === null ? -1 : visible.findIndex((j) => keyOf(j) === selectedKey);
  return Math.max(0, i);
}

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

/**
 * One input event as single keys. A terminal delivers keys typed faster than they are read as one
 * chunk ("jj"), which Ink hands over whole; it is split here into characters, Enter and Tab
 * among them. Keys with a name (arrows, Esc) already come one at a time.
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta) return [[input, key]];
  return chars.map((c) => [c, { ...NO_KEY, return: c === '\r' || c === '\n', tab: c === '\t', shift: /[A-Z]/.test(c) }]);
}

/** Applies one key. */
export function press(state: UiState, input: string, key: Key, ctx: KeyContext): { state: UiState; effects: Effect[] } {
  const s: UiState = { ...state };
  const effects: Effect[] = [];
  const visible = () => visibleJobs(ctx.jobs, s.filters);
  const done = () => ({ state: pin(s, visible()), effects });
  const find = (k: string | null) => (k === null ? undefined : ctx.jobs.find((j) => keyOf(j) === k));
  const current = () => { const v = visible(); return v[selectedIndex(v, s.selectedKey)] ?? null; };
  const move = (delta: number) => {
    const v = visible();
    const next = v[Math.max(0, Math.min(v.length - 1, selectedIndex(v, s.selectedKey) + delta))];
    if (next) s.selectedKey = keyOf(next);
  };
  // Pause and resume act on the open timeline's job there, on the cursor's job in the table.
  const confirmFor = (action: 'pause' | 'resume') => {
    const job = s.view === 'timeline' ? find(s.openKey) : current();
    if (!job) return;
    if (action === 'pause' && job.state === 'paused') s.mode = { kind: 'message', text: `${keyOf(job)} is already paused; r resumes it` };
    else if (action === 'resume' && job.state !== 'paused') s.mode = { kind: 'message', text: `${keyOf(job)} is not paused` };
    else s.mode = { kind: 'confirm', action, job: keyOf(job) };
  };

  if (s.mode?.kind === 'filter') {
    if (key.return) { s.mode = null; return done(); }
    if (key.escape) { s.filters = { ...s.filters, text: '' }; s.mode = null; return done(); }
    const text = key.backspace || key.delete ? s.mode.text.slice(0, -1) : input && !key.ctrl && !key.meta ? s.mode.text + input : s.mode.text;
    s.filters = { ...s.filters, text };
    s.mode = { kind: 'filter', text };
    return done();
  }
  if (s.mode?.kind === 'confirm') {
    const job = find(s.mode.job);
    const action = s.mode.action;
    s.mode = null;
    if (input === 'y' && job) effects.push({ kind: 'act', action, job });
    return done();
  }
  if (s.mode?.kind === 'message') s.mode = null;

  if (s.view === 'help') { s.view = 'table'; return done(); }
  if (s.view === 'timeline') {
    if (key.escape || key.leftArrow || key.backspace || input === 'q') { s.view = 'table'; s.openKey = null; return done(); }
    if (key.upArrow || input === 'k') s.scroll = Math.min(s.scroll + 1, Math.max(0, ctx.timelineLength - 1));
    else if (key.downArrow || input === 'j') s.scroll = Math.max(0, s.scroll - 1);
    else if (input === 'p') confirmFor('pause');
    else if (input === 'r') confirmFor('resume');
    return done();
  }
  if (key.upArrow || input === 'k') move(-1);
  else if (key.downArrow || input === 'j') move(1);
  else if (key.pageUp) move(-ctx.pageSize);
  else if (key.pageDown) move(ctx.pageSize);
  else if (input === 'g' || key.home) move(-Infinity);
  else if (input === 'G' || key.end) move(Infinity);
  else if (key.return) {
    const job = current();
    if (job) {
      s.selectedKey = keyOf(job);
      s.openKey = keyOf(job);
      s.view = 'timeline';
      s.scroll = 0;
      effects.push({ kind: 'openTimeline', job });
    }
  } else if (key.escape) s.filters = { text: '', state: null, tag: null };
  else if (input === '/') s.mode = { kind: 'filter', text: s.filters.text };
  else if (input === 's') s.filters = { ...s.filters, state: nextStateFilter(s.filters.state) };
  else if (input === 't') s.filters = { ...s.filters, tag: nextTagFilter(s.filters.tag, ctx.jobs) };
  else if (input === 'p') confirmFor('pause');
  else if (input === 'r') confirmFor('resume');
  else if (input === '?') s.view = 'help';
  else if (input === 'q') effects.push({ kind: 'exit' });
  return done();
}

/**
 * Keeps the cursor on a job that is shown: when its job is filtered out (or gone), on the row
 * it is drawn on, so that a later re-sort moves it with that job rather than jumping.
 */
export function pin(s: UiState, visible: JobView[]): UiState {
  if (visible.length === 0) return s;
  if (s.selectedKey !== null && visible.some((j) => keyOf(j) === s.selectedKey)) return s;
  return { ...s, selectedKey: keyOf(visible[0]!) };
}

export function hasFilter(f: Filters): boolean {
  return f.text !== '' || f.state !== null || f.tag !== null;
}
