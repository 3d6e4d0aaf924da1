import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { JobView, TimelineEntry } from '../cli/client.js';
import { App } from '../cli/dashboard/App.js';
import { JobTable } from '../cli/dashboard/JobTable.js';
import { splitKeys } from '../cli/dashboard/keys.js';
import type { Changed, DashboardSource } from '../cli/dashboard/source.js';
import { TimelinePane } from '../cli/dashboard/TimelinePane.js';
import { ago, NOW, row, until } from './helpers/dashboard.js';

// The dashboard as a person uses it: keys typed fast, a list that re-sorts under the cursor,
// columns that fit what they hold, a run under way, a filter kept and cleared, the first frame.
const ok = (job: string) => row(job, 'on_schedule', { lastRun: { startedAt: ago(70), finishedAt: ago(60), exitCode: 0, durationMs: 10_000, outcome: 'on_schedule' } });
const five = ['alpha', 'bravo', 'charlie', 'delta', 'echo'].map(ok);

function fakeSource(initial: JobView[], timelines: Record<string, TimelineEntry[]> = {}) {
  let data = initial;
  let notify: ((changed?: Changed[]) => void) | null = null;
  const source: DashboardSource = {
    jobs: async (only) => (only ? data.filter((j) => only.some((c) => c.project === j.project && c.job === j.job)) : data),
    timeline: async (_project, job) => timelines[job] ?? [{ id: 1, at: ago(5), kind: 'signal', message: `the timeline of ${job}`, data: null, output: null, outputCutBytes: 0 }],
    pause: async () => {},
    resume: async () => {},
    watch: (onChange, onLink) => { notify = onChange; onLink('live'); return () => { notify = null; }; },
  };
  return { source, push(next: JobView[]) { data = next; notify?.(); } };
}

async function open(jobs: JobView[], timelines: Record<string, TimelineEntry[]> = {}) {
  const fake = fakeSource(jobs, timelines);
  const app = render(<App source={fake.source} server="http://pakyas.test" colour={false} clock={() => NOW} width={80} height={24} refreshMs={0} />);
  await until(app, '● live');
  await until(app, /›\S/);
  // Ink starts reading keys in an effect after the first frame; give it a moment under load.
  await new Promise((r) => setTimeout(r, 150));
  return { app, fake };
}

describe('keys typed fast', () => {
  it('splits a chunk of keys into single keys, and leaves named keys whole', () => {
    const none = splitKeys('j', { upArrow: false } as never);
    expect(none).toHaveLength(1);
    expect(splitKeys('jj', {} as never).map(([i]) => i)).toEqual(['j', 'j']);
    expect(splitKeys('a\r', {} as never).map(([i, k]) => [i, k.return])).toEqual([['a', false], ['\r', true]]);
  });

  it('moves two rows for jj arriving together, and for two arrows arriving together', async () => {
    const { app } = await open(five);
    app.stdin.write('jj');
    await until(app, '›charlie');
    app.stdin.write('\u001b[B\u001b[B');
    await until(app, '›echo');
    app.stdin.write('kkk');
    await until(app, '›bravo');
    app.unmount();
  });

  it('types a burst into the filter, Enter included', async () => {
    const { app } = await open(five);
    app.stdin.write('/');
    await until(app, 'Filter:');
    app.stdin.write('del\r');
    await until(app, '["del"]');
    expect(app.lastFrame()).toContain('delta');
    expect(app.lastFrame()).not.toContain('alpha');
    app.unmount();
  });
});

describe('the cursor', () => {
  it('stays on its job when the list re-sorts under it, and Enter opens that job', async () => {
    const { app, fake } = await open(five);
    app.stdin.write('jjj');
    await until(app, '›delta');
    // bravo fails and moves to the top: the rows move, the cursor stays with delta.
    fake.push(five.map((j) => (j.job === 'bravo' ? row('bravo', 'failed', { lastRun: { startedAt: ago(2), finishedAt: ago(1), exitCode: 2, durationMs: 1000, outcome: 'failed' } }) : j)));
    await until(app, /^Failed\s+bravo/m);
    expect(app.lastFrame()).toContain('›delta');
    app.stdin.write('\r');
    await until(app, 'the timeline of delta');
    expect(app.lastFrame()).toContain('billing/delta  On Schedule');
    app.unmount();
  });

  it('keeps an open timeline on its job when a filter would now hide it', async () => {
    const failing = five.map((j) => (j.job === 'charlie' ? row('charlie', 'failed') : j));
    const { app, fake } = await open(failing);
    app.stdin.write('s');
    await until(app, '[state: Failed]');
    app.stdin.write('\r');
    await until(app, 'the timeline of charlie');
    fake.push(five);
    await until(app, 'billing/charlie  On Schedule');
    app.unmount();
  });
});

describe('columns', () => {
  it('never cut the exit code while the job name has room to give', () => {
    const jobs = [
      row('a-job-with-a-rather-long-name-for-a-cron-job', 'failed', { lastRun: { startedAt: ago(800), finishedAt: ago(750), exitCode: 137, durationMs: 50_000, outcome: 'failed' } }),
      ok('short'),
    ];
    for (const width of [80, 60]) {
      const frame = render(<JobTable jobs={jobs} selected={0} width={width} height={10} now={NOW} colour={false} />).lastFrame()!;
      expect(frame).toContain('12m 30s ago exit 137');
      expect(frame.split('\n').every((l) => l.length <= width)).toBe(true);
    }
    // The name gives up its room first; with room to spare it shows whole.
    expect(render(<JobTable jobs={jobs} selected={0} width={80} height={10} now={NOW} colour={false} />).lastFrame()).toMatch(/›a-job-with-a-rather-long-n… 12m 30s ago exit 137 /);
    expect(render(<JobTable jobs={jobs} selected={0} width={60} height={10} now={NOW} colour={false} />).lastFrame()).toMatch(/›a-job-wi… 12m 30s ago exit 137/);
    expect(render(<JobTable jobs={jobs} selected={0} width={120} height={10} now={NOW} colour={false} />).lastFrame()).toContain('›a-job-with-a-rather-long-name-for-a-cron-job');
  });

  it('show how long a running job has been going, not 0ms', () => {
    const jobs = [
      row('etl', 'running', { running: [{ startedAt: ago(75), rid: null, host: null, overrunning: false }] }),
      // Started by the server's clock a moment after this terminal's: still not "0ms".
      row('just-now', 'running', { running: [{ startedAt: new Date(NOW + 400).toISOString(), rid: null, host: null, overrunning: false }] }),
    ];
    const at80 = render(<JobTable jobs={jobs} selected={0} width={80} height={10} now={NOW} colour={false} />).lastFrame()!;
    expect(at80).toMatch(/etl\s+running 1m 15s/);
    expect(at80).toMatch(/just-now\s+running <1s/);
    expect(at80).not.toContain('0ms');
    const at100 = render(<JobTable jobs={jobs} selected={0} width={100} height={10} now={NOW} colour={false} />).lastFrame()!;
    expect(at100).toMatch(/etl\s+running 1m 15s\s+1m 15s/);
  });
});

describe('filters', () => {
  it('clears a kept filter with Esc, and the footer says so while one is kept', async () => {
    const { app } = await open(five);
    app.stdin.write('/');
    await until(app, 'Filter:');
    app.stdin.write('echo');
    await until(app, 'Filter: echo');
    app.stdin.write('\r');
    await until(app, 'Esc clear filter');
    expect(app.lastFrame()).not.toContain('alpha');
    app.stdin.write('s');
    await until(app, 'state: Failed');
    app.stdin.write('\u001b');
    await until(app, 'alpha');
    expect(app.lastFrame()).not.toContain('[');
    expect(app.lastFrame()).not.toContain('Esc clear filter');
    app.unmount();
  });
});

describe('the first frame', () => {
  it('says it is connecting, not that no jobs match', async () => {
    const source: DashboardSource = {
      jobs: () => new Promise(() => {}), timeline: async () => [], pause: async () => {}, resume: async () => {},
      watch: (_change, onLink) => { onLink('connecting'); return () => {}; },
    };
    const app = render(<App source={source} server="http://pakyas.test:8080" colour={false} clock={() => NOW} width={80} height={24} />);
    await until(app, 'connecting to http://pakyas.test:8080…');
    expect(app.lastFrame()).not.toContain('No jobs');
    app.unmount();
  });

  it('tells no jobs at all from none matching', async () => {
    const none = fakeSource([]);
    const app = render(<App source={none.source} server="http://x" colour={false} clock={() => NOW} width={80} height={24} refreshMs={0} />);
    await until(app, 'No jobs yet: describe them in pakyas.yaml and run pakyas apply.');
    app.unmount();
  });
});

describe('the timeline pane', () => {
  const entry = (id: number, kind: string, message: string, output: string | null): TimelineEntry => ({ id, at: ago(100 - id), kind, message, data: null, output, outputCutBytes: 0 });
  const job = row('backup', 'failed');

  it('shows the end of the newest run\'s output, and the last line of older ones', () => {
    const entries = [
      entry(3, 'transition', 'Failed (was On Schedule): exit code 3', Array.from({ length: 14 }, (_, i) => `step ${i + 1}`).join('\n')),
      entry(2, 'signal', 'Run finished with exit code 0', 'old run\nall good'),
      entry(1, 'config', 'Created in revision 1', null),
    ];
    const frame = render(<TimelinePane job={job} entries={entries} scroll={0} width={80} height={21} colour={false} />).lastFrame()!;
    expect(frame).toContain('│ all good');
    expect(frame).not.toContain('│ old run');
    expect(frame).toContain('│ … 4 earlier lines (timeline --output)');
    expect(frame).toContain('│ step 5');
    expect(frame).toContain('│ step 14');
    expect(frame).not.toContain('│ step 4\n');
  });

  it('shows hostile output as symbols, never as escape sequences', () => {
    const entries = [entry(1, 'transition', 'Failed (was Pending): exit code 1 \u001b]0;title\u0007', '\u001b[2J\u001b[H\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\\r\u009b31m\ttab')];
    const frame = render(<TimelinePane job={job} entries={entries} scroll={0} width={120} height={10} colour={false} />).lastFrame()!;
    expect(frame).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(frame).toContain('│ ␛[2J␛[H␛]8;;https://evil.example/␛\\click␛]8;;␛\\␍<U+009B>31m  tab');
    expect(frame).toContain('exit code 1 ␛]0;title␇');
  });
});
