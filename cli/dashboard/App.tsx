// The dashboard: the job table, a job's timeline, help, and the keys that move between them.
import { Box, useApp, useInput, useWindowSize } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { JobView, TimelineEntry } from '../client.js';
import { stateLabel } from '../output/states.js';
import { Footer, type FooterMode } from './Footer.js';
import { Header } from './Header.js';
import { HelpPane } from './HelpPane.js';
import { JobTable } from './JobTable.js';
import { applyFilters, nextStateFilter, nextTagFilter, sortWorstFirst, type Filters } from './model.js';
import type { DashboardSource } from './source.js';
import { TimelinePane } from './TimelinePane.js';
import { useJobs } from './useJobs.js';

export interface AppProps {
  source: DashboardSource;
  server: string;
  colour: boolean;
  /** The clock, passed in so that tests are not at the mercy of the real one. */
  clock?: () => number;
  /** Fixed size, for tests; otherwise the terminal's, following resizes. */
  width?: number;
  height?: number;
  /** At most one reload of the jobs per this many ms, however fast changes arrive. */
  refreshMs?: number;
}

type View = 'table' | 'timeline' | 'help';
const keyOf = (j: JobView) => `${j.project}/${j.job}`;

export function App({ source, server, colour, clock = Date.now, width: fixedWidth, height: fixedHeight, refreshMs = 250 }: AppProps) {
  const { exit } = useApp();
  const size = useWindowSize();
  const width = Math.max(40, fixedWidth ?? size.columns ?? 80);
  const height = Math.max(8, fixedHeight ?? size.rows ?? 24);

  const [filters, setFilters] = useState<Filters>({ text: '', state: null, tag: null });
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [view, setView] = useState<View>('table');
  const [mode, setMode] = useState<FooterMode | null>(null);
  const [timeline, setTimeline] = useState<TimelineEntry[] | null>(null);
  const [scroll, setScroll] = useState(0);
  const [now, setNow] = useState(clock());

  const loadTimeline = useCallback(async (job: JobView) => {
    try {
      setTimeline(await source.timeline(job.project, job.job));
    } catch (err) {
      setMode({ kind: 'message', text: `Could not load the timeline: ${(err as Error).message}` });
    }
  }, [source]);

  // What the reload callback needs to read: the view and job on screen when the reload ends.
  const current = useRef<{ view: View; selected: JobView | null }>({ view, selected: null });
  const { jobs, link, refresh } = useJobs(source, {
    refreshMs, clock,
    // An open timeline follows its job.
    onReloaded: async (changed) => {
      const { view: v, selected: s } = current.current;
      if (v === 'timeline' && s && (changed === 'all' || changed.some((c) => c.project === s.project && c.job === s.job))) await loadTimeline(s);
    },
    onError: (text) => setMode({ kind: 'message', text }),
  });

  const visible = useMemo(() => applyFilters(sortWorstFirst(jobs), filters), [jobs, filters]);
  const selectedIndex = Math.max(0, Math.min(visible.length - 1, selectedKey ? visible.findIndex((j) => keyOf(j) === selectedKey) : 0));
  const selected = visible[selectedIndex] ?? null;
  current.current = { view, selected };
  // The selection follows its job when the order changes (a job that fails moves to the top).
  useEffect(() => {
    if (selectedKey === null && visible[0]) setSelectedKey(keyOf(visible[0]));
  }, [selectedKey, visible]);

  useEffect(() => {
    const tick = setInterval(() => setNow(clock()), 1000);
    return () => clearInterval(tick);
  }, [clock]);

  const move = (delta: number) => {
    const next = visible[Math.max(0, Math.min(visible.length - 1, selectedIndex + delta))];
    if (next) setSelectedKey(keyOf(next));
  };

  const confirmFor = (action: 'pause' | 'resume') => {
    if (!selected) return;
    if (action === 'pause' && selected.state === 'paused') return setMode({ kind: 'message', text: `${keyOf(selected)} is already paused; r resumes it` });
    if (action === 'resume' && selected.state !== 'paused') return setMode({ kind: 'message', text: `${keyOf(selected)} is not paused` });
    setMode({ kind: 'confirm', action, job: keyOf(selected) });
  };

  const act = async (action: 'pause' | 'resume', job: JobView) => {
    try {
      await (action === 'pause' ? source.pause(job.project, job.job) : source.resume(job.project, job.job));
      setMode({ kind: 'message', text: `${action === 'pause' ? 'Paused' : 'Resumed'} ${keyOf(job)}` });
      void refresh([{ project: job.project, job: job.job }]);
    } catch (err) {
      setMode({ kind: 'message', text: `Could not ${action} ${keyOf(job)}: ${(err as Error).message}` });
    }
  };

  useInput((input, key) => {
    if (mode?.kind === 'filter') {
      if (key.return) return setMode(null);
      if (key.escape) { setFilters((f) => ({ ...f, text: '' })); return setMode(null); }
      const text = key.backspace || key.delete ? mode.text.slice(0, -1) : input && !key.ctrl && !key.meta ? mode.text + input : mode.text;
      setFilters((f) => ({ ...f, text }));
      return setMode({ kind: 'filter', text });
    }
    if (mode?.kind === 'confirm') {
      const job = visible.find((j) => keyOf(j) === mode.job) ?? jobs.find((j) => keyOf(j) === mode.job);
      setMode(null);
      if (input === 'y' && job) void act(mode.action, job);
      return;
    }
    if (mode?.kind === 'message') setMode(null);

    if (view === 'help') return setView('table');
    if (view === 'timeline') {
      if (key.escape || key.leftArrow || key.backspace || input === 'q') { setView('table'); return setTimeline(null); }
      if (key.upArrow || input === 'k') return setScroll((s) => Math.min(s + 1, Math.max(0, (timeline?.length ?? 0) - 1)));
      if (key.downArrow || input === 'j') return setScroll((s) => Math.max(0, s - 1));
      if (input === 'p') return confirmFor('pause');
      if (input === 'r') return confirmFor('resume');
      return;
    }
    if (key.upArrow || input === 'k') return move(-1);
    if (key.downArrow || input === 'j') return move(1);
    if (key.pageUp) return move(-(height - 4));
    if (key.pageDown) return move(height - 4);
    if (input === 'g') return move(-visible.length);
    if (input === 'G') return move(visible.length);
    if (key.return && selected) {
      setView('timeline');
      setScroll(0);
      setTimeline(null);
      return void loadTimeline(selected);
    }
    if (input === '/') return setMode({ kind: 'filter', text: filters.text });
    if (input === 's') return setFilters((f) => ({ ...f, state: nextStateFilter(f.state) }));
    if (input === 't') return setFilters((f) => ({ ...f, tag: nextTagFilter(f.tag, jobs) }));
    if (input === 'p') return confirmFor('pause');
    if (input === 'r') return confirmFor('resume');
    if (input === '?') return setView('help');
    if (input === 'q') return exit();
  });

  const filterText = [filters.text && `"${filters.text}"`, filters.state && `state: ${stateLabel(filters.state)}`, filters.tag && `tag: ${filters.tag}`].filter(Boolean).join(', ') || null;
  const body = height - 3;
  return (
    <Box flexDirection="column" width={width}>
      <Header jobs={jobs} link={link} server={server} filter={filterText} colour={colour} width={width} />
      <Box height={body} flexDirection="column">
        {view === 'help' ? <HelpPane /> : null}
        {view === 'timeline' && selected ? <TimelinePane job={selected} entries={timeline} scroll={scroll} width={width} height={body} colour={colour} /> : null}
        {view === 'table' ? <JobTable jobs={visible} selected={selectedIndex} width={width} height={body - 1} now={now} colour={colour} /> : null}
      </Box>
      <Footer mode={mode ?? { kind: 'keys', view: view === 'timeline' ? 'timeline' : 'table' }} width={width} />
    </Box>
  );
}
