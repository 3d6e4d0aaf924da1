// The dashboard: the job table, a job's timeline, help, and the keys that move between them
// (keys.ts says what each key does).
import { Box, useApp, useInput, useWindowSize } from 'ink';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { JobView, TimelineEntry } from '../client.js';
import { stateLabel } from '../output/states.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { HelpPane } from './HelpPane.js';
import { JobTable } from './JobTable.js';
import { hasFilter, initialUi, keyOf, pin, press, selectedIndex, splitKeys, visibleJobs, type Effect, type UiState } from './keys.js';
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

export function App({ source, server, colour, clock = Date.now, width: fixedWidth, height: fixedHeight, refreshMs = 250 }: AppProps) {
  const { exit } = useApp();
  const size = useWindowSize();
  const width = Math.max(40, fixedWidth ?? size.columns ?? 80);
  const height = Math.max(8, fixedHeight ?? size.rows ?? 24);

  // The UI state lives in a ref that every key reads and writes at once, and is copied into React
  // state to render: keys that arrive before the next render still see what the last one did.
  const ui = useRef<UiState>(initialUi);
  const [view, setView] = useState<UiState>(initialUi);
  const update = useCallback((next: UiState) => { ui.current = next; setView(next); }, []);
  const [timeline, setTimeline] = useState<TimelineEntry[] | null>(null);
  const timelineRef = useRef<TimelineEntry[] | null>(null);
  timelineRef.current = timeline;
  const [now, setNow] = useState(clock());
  const say = useCallback((text: string) => update({ ...ui.current, mode: { kind: 'message', text } }), [update]);

  const loadTimeline = useCallback(async (job: { project: string; job: string }) => {
    try {
      const entries = await source.timeline(job.project, job.job);
      if (ui.current.openKey === keyOf(job)) setTimeline(entries);
    } catch (err) {
      say(`Could not load the timeline: ${(err as Error).message}`);
    }
  }, [source, say]);

  const { jobs, link, loaded, refresh } = useJobs(source, {
    refreshMs, clock,
    // An open timeline follows its job.
    onReloaded: async (changed) => {
      const open = ui.current.view === 'timeline' ? ui.current.openKey : null;
      if (open && (changed === 'all' || changed.some((c) => keyOf(c) === open))) {
        const [project, ...rest] = open.split('/');
        await loadTimeline({ project: project!, job: rest.join('/') });
      }
    },
    onError: say,
  });
  const jobsRef = useRef(jobs);
  jobsRef.current = jobs;

  const visible = useMemo(() => visibleJobs(jobs, view.filters), [jobs, view.filters]);
  const index = selectedIndex(visible, view.selectedKey);
  // The cursor is pinned to a job as soon as there is one: from then on it stays with that job
  // whatever the order (a job that fails moves to the top, the cursor does not move with the row).
  useEffect(() => {
    const pinned = pin(ui.current, visibleJobs(jobs, ui.current.filters));
    if (pinned !== ui.current) update(pinned);
  }, [jobs, update]);

  useEffect(() => {
    const tick = setInterval(() => setNow(clock()), 1000);
    return () => clearInterval(tick);
  }, [clock]);

  const act = async (action: 'pause' | 'resume', job: JobView) => {
    try {
      await (action === 'pause' ? source.pause(job.project, job.job) : source.resume(job.project, job.job));
      say(`${action === 'pause' ? 'Paused' : 'Resumed'} ${keyOf(job)}`);
      void refresh([{ project: job.project, job: job.job }]);
    } catch (err) {
      say(`Could not ${action} ${keyOf(job)}: ${(err as Error).message}`);
    }
  };

  const run = (e: Effect) => {
    if (e.kind === 'exit') return exit();
    if (e.kind === 'act') return void act(e.action, e.job);
    setTimeline(null);
    void loadTimeline(e.job);
  };

  useInput((input, key) => {
    let s = ui.current;
    const effects: Effect[] = [];
    for (const [i, k] of splitKeys(input, key)) {
      const r = press(s, i, k, { jobs: jobsRef.current, pageSize: height - 4, timelineLength: timelineRef.current?.length ?? 0 });
      s = r.state;
      effects.push(...r.effects);
    }
    update(s);
    for (const e of effects) run(e);
  });

  const f = view.filters;
  const filterText = [f.text && `"${f.text}"`, f.state && `state: ${stateLabel(f.state)}`, f.tag && `tag: ${f.tag}`].filter(Boolean).join(', ') || null;
  const body = height - 3;
  const open = view.view === 'timeline' ? jobs.find((j) => keyOf(j) === view.openKey) ?? null : null;
  const empty = !loaded ? `connecting to ${server}…`
    : jobs.length === 0 ? 'No jobs yet: describe them in pakyas.yaml and run pakyas apply.'
    : 'No jobs match the filter. Esc clears it, / changes it.';
  return (
    <Box flexDirection="column" width={width}>
      <Header jobs={jobs} link={link} server={server} filter={filterText} colour={colour} width={width} />
      <Box height={body} flexDirection="column">
        {view.view === 'help' ? <HelpPane /> : null}
        {open ? <TimelinePane job={open} entries={timeline} scroll={view.scroll} width={width} height={body} colour={colour} /> : null}
        {view.view === 'table' ? <JobTable jobs={visible} selected={index} width={width} height={body - 1} now={now} colour={colour} empty={empty} /> : null}
      </Box>
      <Footer mode={view.mode ?? { kind: 'keys', view: view.view === 'timeline' ? 'timeline' : 'table', filtered: hasFilter(f) }} width={width} />
    </Box>
  );
}
