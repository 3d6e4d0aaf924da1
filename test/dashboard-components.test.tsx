import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from '../cli/dashboard/App.js';
import { Footer } from '../cli/dashboard/Footer.js';
import { Header } from '../cli/dashboard/Header.js';
import { HistoryStrip } from '../cli/dashboard/HistoryStrip.js';
import { JobTable } from '../cli/dashboard/JobTable.js';
import { columns } from '../cli/dashboard/model.js';
import type { JobView, TimelineEntry } from '../cli/client.js';
import type { Changed, DashboardSource } from '../cli/dashboard/source.js';
import { TimelinePane } from '../cli/dashboard/TimelinePane.js';
import { ago, NOW, row, tick, until } from './helpers/dashboard.js';

const ANSI = /\u001b\[[0-9;]*m/;

const jobs: JobView[] = [
  row('queue-drain', 'on_schedule', { lastRun: { startedAt: ago(70), finishedAt: ago(60), exitCode: 0, durationMs: 10_000, outcome: 'on_schedule' }, history: [{ at: ago(60), outcome: 'on_schedule' }] }),
  row('nightly-backup', 'failed', { tags: ['critical'], lastRun: { startedAt: ago(30), finishedAt: ago(18), exitCode: 3, durationMs: 12_400, outcome: 'failed' }, history: ['on_schedule', 'late', 'failed'].map((outcome) => ({ at: ago(1), outcome })) }),
  row('invoice-run', 'pending'),
  row('report', 'missing', { history: [{ at: ago(5), outcome: 'missing' }] }),
];

function fakeSource(initial: JobView[]) {
  const calls: string[] = [];
  /** What each load asked for: 'all', or the jobs named. */
  const loads: string[] = [];
  let data = initial;
  let notify: ((changed?: Changed[]) => void) | null = null;
  const source: DashboardSource = {
    jobs: async (only) => {
      loads.push(only ? only.map((c) => `${c.project}/${c.job}`).join(',') : 'all');
      return only ? data.filter((j) => only.some((c) => c.project === j.project && c.job === j.job)) : data;
    },
    timeline: async (project, job): Promise<TimelineEntry[]> => [
      { id: 2, at: ago(18), kind: 'transition', message: 'Failed (was On Schedule): exit code 3 after 12.4s, and then some more words to wrap', data: null, output: 'dumping billing\nerror: disk full\n', outputCutBytes: 0 },
      { id: 1, at: ago(30), kind: 'signal', message: `Run started: on time for the run due 03:00 UTC (${project}/${job})`, data: null, output: null, outputCutBytes: 0 },
    ],
    pause: async (project, job) => { calls.push(`pause ${project}/${job}`); },
    resume: async (project, job) => { calls.push(`resume ${project}/${job}`); },
    watch: (onChange, onLink) => { notify = onChange; onLink('live'); return () => { notify = null; }; },
  };
  return { source, calls, loads, push(next: JobView[], changed?: Changed[]) { data = next; notify?.(changed); } };
}

describe('the job table', () => {
  it('shows every job with its state in words, last run, deadline and history, in 80 columns', () => {
    const { lastFrame } = render(<JobTable jobs={jobs} selected={1} width={80} height={10} now={NOW} colour={false} />);
    const lines = lastFrame()!.split('\n');
    // Each column as wide as what it holds; the job name takes the rest.
    expect(lines[0]).toBe('STATE       JOB                                LAST RUN       DEADLINE HISTORY');
    expect(lines[2]).toBe('Failed      ›nightly-backup                    18s ago exit 3 in 1h 5m ✓~✗');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lastFrame()).not.toMatch(ANSI);
  });

  it('adds a duration column when the terminal is wider, and project and tags wider still', () => {
    const { lastFrame } = render(<JobTable jobs={jobs} selected={0} width={100} height={10} now={NOW} colour={false} />);
    expect(lastFrame()!.split('\n')[0]).toMatch(/^STATE\s+JOB\s+LAST RUN\s+TOOK\s+DEADLINE\s+HISTORY$/);
    expect(lastFrame()).toContain('12.4s');
    expect(columns(140).map((c) => c.title)).toEqual(['STATE', 'JOB', 'PROJECT', 'TAGS', 'LAST RUN', 'TOOK', 'DEADLINE', 'HISTORY']);
    expect(columns(140).reduce((n, c) => n + c.width + 1, 0)).toBeLessThanOrEqual(141);
  });

  it('scrolls to keep the selected job in view', () => {
    const many = Array.from({ length: 30 }, (_, i) => row(`job-${String(i).padStart(2, '0')}`, 'pending'));
    const { lastFrame } = render(<JobTable jobs={many} selected={25} width={80} height={5} now={NOW} colour={false} />);
    expect(lastFrame()).toContain('›job-25');
    expect(lastFrame()!.split('\n')).toHaveLength(6);
  });

});

describe('the small parts', () => {
  it('draws history with a distinct glyph per outcome, so it reads without colour', () => {
    const history = ['on_schedule', 'late', 'failed', 'missing', 'overrunning'].map((outcome) => ({ outcome }));
    expect(render(<HistoryStrip history={history} width={8} colour={false} />).lastFrame()!.trimEnd()).toBe('✓~✗?!');
  });

  it('counts jobs by state in the header and says whether the view is live', () => {
    const frame = render(<Header jobs={jobs} link="live" server="http://x" filter={null} colour={false} width={80} />).lastFrame()!;
    expect(frame).toContain('1 Pending · 1 On Schedule · 1 Failed · 1 Missing');
    expect(frame).toContain('● live');
    expect(render(<Header jobs={jobs} link="reconnecting" server="http://x" filter={null} colour={false} width={80} />).lastFrame()).toContain('○ offline, retrying');
  });

  it('asks before pausing', () => {
    expect(render(<Footer mode={{ kind: 'confirm', action: 'pause', job: 'billing/report' }} width={80} />).lastFrame()).toBe('Pause billing/report? y to confirm, any other key to cancel');
  });

  it('wraps long reasons in the timeline and keeps the newest at the bottom', () => {
    const entries: TimelineEntry[] = [
      { id: 2, at: ago(1), kind: 'transition', message: 'Missing (was On Schedule): no execution signal was received for the run due 03:00 CET = 02:00 UTC (deadline 03:10 CET)', data: null, output: null, outputCutBytes: 0 },
      { id: 1, at: ago(100), kind: 'config', message: 'Created in revision 1', data: null, output: null, outputCutBytes: 0 },
    ];
    const frame = render(<TimelinePane job={jobs[1]!} entries={entries} scroll={0} width={80} height={10} colour={false} />).lastFrame()!;
    const lines = frame.split('\n');
    expect(lines[0]).toContain('billing/nightly-backup  Failed');
    expect(lines[1]).toContain('Created in revision 1');
    expect(frame).toContain('(deadline 03:10 CET)');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
  });
});

describe('the dashboard app', () => {
  it('sorts worst first and updates when a change arrives, with no key pressed', async () => {
    const fake = fakeSource(jobs);
    const app = render(<App source={fake.source} server="http://x" colour={false} clock={() => NOW} width={80} height={24} refreshMs={0} />);
    await until(app, '›nightly-backup');
    const order = app.lastFrame()!.split('\n').slice(2, 6).map((l) => l.split(/\s+/)[0]);
    expect(order).toEqual(['Failed', 'Missing', 'Pending', 'On']);
    fake.push(jobs.map((j) => (j.job === 'report' ? { ...j, state: 'on_schedule', health: 'on_schedule' } : j)));
    await tick();
    expect(app.lastFrame()).not.toContain('Missing');
    app.unmount();
  });

  it('reloads only the jobs that changed, and everything after a configuration change', async () => {
    const fake = fakeSource(jobs);
    const app = render(<App source={fake.source} server="http://x" colour={false} clock={() => NOW} width={80} height={24} refreshMs={0} />);
    await until(app, '›nightly-backup');
    const report = jobs.find((j) => j.job === 'report')!;
    fake.loads.length = 0;
    fake.push(jobs.map((j) => (j === report ? { ...j, state: 'on_schedule', health: 'on_schedule' } : j)), [{ project: report.project, job: 'report' }]);
    await tick();
    expect(fake.loads).toEqual([`${report.project}/report`]);
    expect(app.lastFrame()).not.toContain('Missing');
    // A new job arrives with a configuration change: its name is not known yet, so all is reloaded.
    fake.push([...jobs, { ...report, job: 'brand-new', state: 'pending', health: null }], [{ project: report.project, job: '*' }]);
    await tick();
    expect(fake.loads.at(-1)).toBe('all');
    expect(app.lastFrame()).toContain('brand-new');
    app.unmount();
  });

  it('spaces its reloads by the clock it is given, not the machine\'s', async () => {
    const fake = fakeSource(jobs);
    let now = NOW;
    const app = render(<App source={fake.source} server="http://x" colour={false} clock={() => now} width={80} height={24} refreshMs={60_000} />);
    await until(app, '›nightly-backup');
    expect(fake.loads).toEqual(['all']);
    // A minute passes by the dashboard's clock, a moment by the machine's: the next change is due at once.
    now += 60_000;
    fake.push(jobs, [{ project: 'billing', job: 'report' }]);
    const end = Date.now() + 2000;
    while (fake.loads.length < 2 && Date.now() < end) await tick();
    expect(fake.loads).toEqual(['all', 'billing/report']);
    app.unmount();
  });

  it('filters by text with / and by state with s', async () => {
    const fake = fakeSource(jobs);
    const app = render(<App source={fake.source} server="http://x" colour={false} clock={() => NOW} width={80} height={24} refreshMs={0} />);
    await until(app, '›nightly-backup');
    app.stdin.write('/');
    await tick();
    for (const c of 'queue') { app.stdin.write(c); await tick(); }
    expect(app.lastFrame()).toContain('Filter: queue');
    app.stdin.write('\r');
    await tick();
    expect(app.lastFrame()).toContain('queue-drain');
    expect(app.lastFrame()).not.toContain('nightly-backup');
    app.stdin.write('\u001b');
    await tick();
    app.stdin.write('/');
    await tick();
    app.stdin.write('\u001b');
    await tick();
    app.stdin.write('s');
    await tick();
    expect(app.lastFrame()).toContain('[state: Failed]');
    expect(app.lastFrame()).toContain('nightly-backup');
    expect(app.lastFrame()).not.toContain('queue-drain');
    app.unmount();
  });

  it('opens the timeline with Enter and goes back with Esc', async () => {
    const fake = fakeSource(jobs);
    const app = render(<App source={fake.source} server="http://x" colour={false} clock={() => NOW} width={80} height={24} refreshMs={0} />);
    await until(app, '›nightly-backup');
    app.stdin.write('\r');
    await tick();
    expect(app.lastFrame()).toContain('transition Failed (was On Schedule): exit code 3 after 12.4s, and');
    expect(app.lastFrame()).toMatch(/^ +then some more words to wrap$/m);
    // What the run printed, under it.
    expect(app.lastFrame()).toMatch(/^ {26}│ dumping billing\n {26}│ error: disk full$/m);
    expect(app.lastFrame()).toContain('(billing/nightly-backup)');
    app.stdin.write('\u001b');
    await tick();
    expect(app.lastFrame()).toContain('STATE');
    app.unmount();
  });

  it('pauses the selected job after confirmation, and not without', async () => {
    const fake = fakeSource(jobs);
    const app = render(<App source={fake.source} server="http://x" colour={false} clock={() => NOW} width={80} height={24} refreshMs={0} />);
    await until(app, '›nightly-backup');
    await until(app, '● live');
    // Ink starts reading keys in an effect after the first frame; give it a moment under load.
    await new Promise((r) => setTimeout(r, 150));
    app.stdin.write('j');
    await until(app, '›report');
    app.stdin.write('p');
    await until(app, 'Pause billing/report? y to confirm');
    app.stdin.write('n');
    await until(app, 'Enter timeline');
    expect(fake.calls).toEqual([]);
    app.stdin.write('p');
    await until(app, 'Pause billing/report? y to confirm');
    app.stdin.write('y');
    await until(app, 'Paused billing/report');
    expect(fake.calls).toEqual(['pause billing/report']);
    app.unmount();
  });
});
