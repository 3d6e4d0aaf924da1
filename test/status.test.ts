import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../schema/types.js';
import { dueEvents, emptyState, nextCheckAt, type AlertIntent, type JobEvent, type JobState, type TimelineEntry } from '../server/core/state.js';
import { step } from '../server/core/status.js';

const T = (iso: string) => Date.parse(iso.includes('T') ? iso : `2026-06-01T${iso}Z`);

function spec(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'nightly-backup', description: null, schedule: { kind: 'cron', cron: '0 3 * * *' }, timezone: 'UTC',
    graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...overrides,
  };
}

const start = (at: string, extra: Partial<Extract<JobEvent, { type: 'signal' }>> = {}): [JobEvent, string] => [{ type: 'signal', kind: 'start', at: T(at), ...extra }, at];
const success = (at: string, extra: Partial<Extract<JobEvent, { type: 'signal' }>> = {}): [JobEvent, string] => [{ type: 'signal', kind: 'success', at: T(at), ...extra }, at];
const fail = (at: string, exitCode?: number, extra: Partial<Extract<JobEvent, { type: 'signal' }>> = {}): [JobEvent, string] => [{ type: 'signal', kind: 'fail', at: T(at), exitCode: exitCode ?? null, ...extra }, at];
const deadline = (due: string, grace: number, now?: string): [JobEvent, string] => [{ type: 'deadline', due: T(due), deadline: T(due) + grace * 1000 }, now ?? new Date(T(due) + grace * 1000).toISOString()];

interface Run { state: JobState; timeline: TimelineEntry[]; alerts: AlertIntent[]; last: TimelineEntry[] }

/** Creates the job at `createdAt` (a config event), then feeds each event at its `now`. */
function play(job: JobSpec, createdAt: string, events: Array<[JobEvent, string]>): Run {
  let r = step(job, emptyState(), { type: 'config', previous: null, revision: 1, commit: 'abc1234def', changes: [] }, T(createdAt));
  const all: Run = { state: r.state, timeline: [...r.timeline], alerts: [...r.alerts], last: r.timeline };
  for (const [event, now] of events) {
    // A deadline check is only real if the state owes that deadline; follow what the shell does.
    r = step(job, all.state, event, T(now));
    all.state = r.state;
    all.timeline.push(...r.timeline);
    all.alerts.push(...r.alerts);
    all.last = r.timeline;
  }
  return all;
}

const messages = (entries: TimelineEntry[]) => entries.map((e) => e.message);
const transitions = (alerts: AlertIntent[]) => alerts.map((a) => a.transition);

describe('the signal model', () => {
  // [name, job, created at, events, expected status, expected health, expected last timeline messages (substrings), expected alerts]
  const table: Array<[string, Partial<JobSpec>, string, Array<[JobEvent, string]>, string, string | null, string[], string[]]> = [
    ['a new job is Pending until its first signal', {}, '01:00', [], 'pending', null,
      ['Pending until its first signal; first run due 03:00 UTC (deadline 03:05 UTC)'], []],
    ['a success inside the window is On Schedule and alerts nothing', {}, '01:00', [success('03:01')], 'on_schedule', 'on_schedule',
      ['On Schedule (was Pending): exit code 0, on time for the run due 03:00 UTC'], []],
    ['a success a little before the scheduled time still pays that run', {}, '01:00', [success('02:56')], 'on_schedule', 'on_schedule',
      ['on time for the run due 03:00 UTC'], []],
    ['a fail with an exit code is Failed, names the state it left, says the code and the duration, and alerts', {}, '01:00',
      [success('03:00'), start('2026-06-02T03:00:00Z'), fail('2026-06-02T03:00:12.400Z', 3)], 'failed', 'failed',
      ['Failed (was On Schedule): exit code 3 after 12.4s'], ['failed']],
    ['a first run that fails left Pending', {}, '01:00', [start('03:00'), fail('03:00:12.400', 3)], 'failed', 'failed',
      ['Failed (was Pending): exit code 3 after 12.4s'], ['failed']],
    ['a fail without an exit code is an explicit fail', {}, '01:00', [fail('03:02')], 'failed', 'failed',
      ['Failed (was Pending): explicit fail'], ['failed']],
    ['silence past the deadline is Missing, with the run and deadline in the reason, in the job\'s zone and UTC', { timezone: 'Europe/Berlin', graceSeconds: 600 }, '2026-06-01T00:30:00Z',
      [deadline('2026-06-01T01:00:00Z', 600)], 'missing', 'missing',
      ['Missing (was Pending): no execution signal was received for the run due 03:00 CEST = 01:00 UTC (deadline 03:10 CEST)'], ['missing']],
    ['each missed run gets its own timeline entry but only one alert', {}, '01:00',
      [deadline('03:00', 300), deadline('2026-06-02T03:00:00Z', 300)], 'missing', 'missing',
      ['No execution signal was received for the run due 03:00 UTC (deadline 03:05 UTC)'], ['missing']],
    ['a run after its missed deadline is that run, late, and Late is not alerted as failure', {}, '01:00',
      [deadline('03:00', 300), success('03:47')], 'late', 'late',
      ['Late (was Missing): ran 03:47 UTC, 42m after its window 02:55–03:05 UTC'], ['missing', 'recovered', 'late']],
    ['a cron run long before its window is unscheduled: Late, and the run stays owed', {}, '04:00',
      [success('14:12')], 'late', 'late', ['ran 14:12 UTC, outside any expected window (an unscheduled run; next run due 03:00 UTC)'], ['late']],
    ['an interval job may check in early: on time, and the interval restarts', { schedule: { kind: 'every', everySeconds: 900 } }, '10:00',
      [success('10:05')], 'on_schedule', 'on_schedule', ['on time (an interval job may check in early; next run due 10:20 UTC)'], []],
    ['a start is Running and the health it had stays until the run finishes', {}, '01:00',
      [fail('03:01', 1), start('2026-06-02T03:00:00Z')], 'running', 'failed', ['Run started: on time for the run due 03:00 UTC'], ['failed']],
    ['Running → On Schedule is the normal cycle and alerts nothing', {}, '01:00',
      [start('03:00'), success('03:10')], 'on_schedule', 'on_schedule', ['after 10m'], []],
    ['back to On Schedule after an alerted failure is a recovery', {}, '01:00',
      [fail('03:00', 2), success('2026-06-02T03:00:30Z')], 'on_schedule', 'on_schedule', ['On Schedule (was Failed): exit code 0, on time for the run due 03:00 UTC'], ['failed', 'recovered']],
    ['a repeated failure is not a new transition and does not alert again', {}, '01:00',
      [fail('03:00', 2), fail('2026-06-02T03:00:00Z', 2)], 'failed', 'failed', ['Run finished with exit code 2: failed'], ['failed']],
    ['failed then missing are two transitions and two alerts', {}, '01:00',
      [fail('03:00', 2), deadline('2026-06-02T03:00:00Z', 300)], 'missing', 'missing', ['Missing (was Failed): no execution signal was received'], ['failed', 'missing']],
    ['alert_after waits for N consecutive bad runs', { alertAfter: 3 }, '01:00',
      [fail('03:00', 1), fail('2026-06-02T03:00:00Z', 1), fail('2026-06-03T03:00:00Z', 1)], 'failed', 'failed', [], ['failed']],
    ['alert_after: a success in between starts the count again, and no recovery is owed', { alertAfter: 2 }, '01:00',
      [fail('03:00', 1), success('2026-06-02T03:00:00Z'), fail('2026-06-03T03:00:00Z', 1)], 'failed', 'failed', [], []],
    ['a run past max_duration is Overrunning and alerts', { maxDurationSeconds: 600 }, '01:00',
      [start('03:00'), [{ type: 'overrun', runId: `t${T('03:00')}-0` }, '03:10']], 'overrunning', 'overrunning',
      ['Overrunning (was Pending): the run that started 03:00 UTC has not finished after 10m (max_duration 10m)'], ['overrunning']],
    ['an overrunning run that finishes well recovers', { maxDurationSeconds: 600 }, '01:00',
      [start('03:00'), [{ type: 'overrun', runId: `t${T('03:00')}-0` }, '03:10'], success('03:20')], 'on_schedule', 'on_schedule', [], ['overrunning', 'recovered']],
    ['an open run covers a deadline: not missing', { schedule: { kind: 'every', everySeconds: 600 }, maxDurationSeconds: 7200 }, '03:00',
      [start('03:09'), deadline('03:19', 300)], 'running', null, ['The run due 03:19 UTC did not start separately: the run that started 03:09 UTC is still going'], []],
    ['a finish closes the run with its id, leaving an overlapping run open', {}, '01:00',
      [start('03:00', { rid: 'a' }), start('03:01', { rid: 'b' }), success('03:05', { rid: 'b' })], 'running', 'late', [], ['late']],
    ['a finish without a run id closes the oldest open run', {}, '01:00',
      [start('03:00', { rid: 'a' }), start('03:01', { rid: 'b' }), fail('03:05', 4)], 'running', 'failed', ['after 5m'], ['failed']],
    ['a stale deadline check (the run was paid) does nothing', {}, '01:00',
      [success('03:01'), deadline('03:00', 300)], 'on_schedule', 'on_schedule', [], []],
    ['a deadline before a signal is judged first: the signal is then that run, late', {}, '01:00',
      [success('03:05:10')], 'late', 'late', ['ran 03:05:10 UTC, 10s after its window 02:55–03:05 UTC'], ['missing', 'recovered', 'late']],
    ['a paused job records signals without judging them', {}, '01:00',
      [[{ type: 'pause', reason: 'maintenance', by: 'admin' }, '02:00'], fail('03:00', 1)], 'paused', null,
      ['Fail signal recorded while paused; it is not judged'], []],
    ['a paused job is never missing', {}, '01:00',
      [[{ type: 'pause', reason: null }, '02:00'], deadline('03:00', 300)], 'paused', null, [], []],
    ['resume owes the next scheduled run after now', {}, '01:00',
      [[{ type: 'pause', reason: null }, '02:00'], [{ type: 'resume', by: 'admin' }, '04:00']], 'pending', null,
      ['Resumed by admin; judging again, next run due 03:00 UTC (deadline 03:05 UTC)'], []],
    ['a pause with an end resumes by itself', {}, '01:00',
      [[{ type: 'pause', until: T('05:00') }, '02:00'], [{ type: 'resume', auto: { until: T('05:00') } }, '05:00']], 'pending', null,
      ['Resumed by itself at the end of its pause'], []],
    ['a log signal writes to the timeline without changing state', {}, '01:00',
      [[{ type: 'signal', kind: 'log', at: T('02:00'), message: 'disk 91% full' }, '02:00']], 'pending', null, ['Log: disk 91% full'], []],
  ];

  it.each(table)('%s', (_name, overrides, createdAt, events, status, health, reasons, alerts) => {
    const r = play(spec(overrides), createdAt, events);
    expect(r.state.status).toBe(status);
    expect(r.state.health).toBe(health);
    for (const reason of reasons) expect(messages(r.last).join('\n')).toContain(reason);
    expect(transitions(r.alerts)).toEqual(alerts);
  });
});

describe('deadlines and Pakyas\'s own downtime', () => {
  it('gives the job its grace again when the deadline check runs late, and says so', () => {
    const r = play(spec(), '01:00', [deadline('03:00', 300, '03:30')]);
    expect(r.state.health).toBe(null);
    expect(r.state.deadline).toBe(T('03:35'));
    expect(messages(r.last)).toEqual(['Pakyas was unavailable at the deadline 03:05 UTC of the run due 03:00 UTC; the job has its grace again, until 03:35 UTC, to deliver']);
    expect(r.state.due).toBe(T('03:00'));
    expect(nextCheckAt(spec(), r.state)).toBe(T('03:35'));
    expect(r.alerts).toEqual([]);
  });

  it('counts a signal inside the extended grace as on time', () => {
    const r = play(spec(), '01:00', [deadline('03:00', 300, '03:30'), success('03:31')]);
    expect(r.state.health).toBe('on_schedule');
    expect(messages(r.last).join()).toContain('its grace was extended after Pakyas was unavailable');
  });

  it('marks the run missing when the extended grace passes too, saying the deadline was extended', () => {
    const r = play(spec(), '01:00', [deadline('03:00', 300, '03:30'), [{ type: 'deadline', due: T('03:00'), deadline: T('03:35') }, '03:35']]);
    expect(r.state.health).toBe('missing');
    expect(messages(r.last).join()).toContain('deadline 03:35 UTC, extended after Pakyas was unavailable');
    expect(transitions(r.alerts)).toEqual(['missing']);
  });

  it('does not judge the runs owed during a long outage, and pays one that a replayed signal reports', () => {
    const hourly = spec({ schedule: { kind: 'cron', cron: '0 * * * *' } });
    const r = play(hourly, '00:30', [
      deadline('01:00', 300, '04:30'),
      success('02:00:20', { replayed: true, durationMs: 20_000 }),
    ]);
    expect(messages(r.timeline).join('\n')).toContain('3 earlier runs (due 01:00 UTC onwards) fell while Pakyas was unavailable and are not judged');
    expect(r.state.health).toBe('on_schedule');
    expect(messages(r.last).join()).toContain('on time for the run due 02:00 UTC, owed while Pakyas was unavailable');
    expect(r.alerts).toEqual([]);
  });

  it('resolves an alerted Missing when the run comes late: a recovery saying how late, then the late alert', () => {
    const r = play(spec(), '01:00', [deadline('03:00', 300), success('06:02')]);
    expect(transitions(r.alerts)).toEqual(['missing', 'recovered', 'late']);
    const recovered = r.alerts[1]!;
    expect(recovered).toMatchObject({ from: 'missing', to: 'late', evidence: { previously: 'missing' } });
    // The recovery says what the timeline says: the state it left, and the run's evidence.
    expect(recovered.reason).toBe('Late (was Missing): ran 06:02 UTC, 2h 57m after its window 02:55–03:05 UTC');
  });

  it('writes the same sentence in the timeline and in the alert, naming both states', () => {
    const r = play(spec(), '01:00', [success('03:00'), fail('2026-06-02T03:00:30Z', 3, { durationMs: 12_400 })]);
    const entry = r.last.find((e) => e.kind === 'transition')!;
    expect(entry.message).toBe('Failed (was On Schedule): exit code 3 after 12.4s');
    expect(r.alerts.at(-1)!.reason).toBe(entry.message);
  });

  it('says a time in the job\'s zone and in UTC when they differ, with the zone named', () => {
    const berlin = spec({ timezone: 'Europe/Berlin' });
    const r = play(berlin, '2026-11-27T12:00:00Z', [deadline('2026-11-28T02:00:00Z', 300), success('2026-11-28T02:47:00Z')]);
    expect(messages(r.timeline)).toContain('Missing (was Pending): no execution signal was received for the run due 03:00 CET = 02:00 UTC (deadline 03:05 CET)');
    expect(messages(r.last)).toContain('Late (was Missing): ran 03:47 CET = 02:47 UTC, 42m after its window 02:55–03:05 CET');
  });

  it('resolves an alerted failure with a successful late run, and a late run with nothing alerted before is only late', () => {
    const failedThenLate = play(spec(), '01:00', [fail('03:01', 2), success('14:12')]);
    expect(transitions(failedThenLate.alerts)).toEqual(['failed', 'recovered', 'late']);
    const onlyLate = play(spec(), '01:00', [success('03:01'), success('14:12')]);
    expect(transitions(onlyLate.alerts)).toEqual(['late']);
  });

  it('does not open a run again when its start arrives after its finish', () => {
    const r = play(spec({ maxDurationSeconds: 120 }), '01:00', [success('03:01', { rid: 'r1' }), start('03:01:05', { rid: 'r1' })]);
    expect(r.state.openRuns).toEqual([]);
    expect(r.state.status).toBe('on_schedule');
    expect(messages(r.last)).toEqual(['Start signal for run r1 arrived after its finish; the run is already over']);
  });

  it('owes the next run, not the same one again, after a run that started early inside its grace', () => {
    const r = play(spec(), '01:00', [success('02:58'), deadline('03:00', 300)]);
    expect(r.state.health).toBe('on_schedule');
    expect(r.alerts).toEqual([]);
    expect(r.state.due).toBe(T('2026-06-02T03:00:00Z'));
  });

  it('judges every deadline before a signal, in order, when the checks were on time', () => {
    const every = spec({ schedule: { kind: 'every', everySeconds: 60 }, graceSeconds: 10 });
    // A replayed success from 10:03:12: the deadlines at 10:01:10, 10:02:10 and 10:03:10 came first.
    const r = play(every, '10:00', [[{ type: 'signal', kind: 'success', at: T('10:03:12'), replayed: true }, '10:03:20']]);
    expect(r.timeline.filter((e) => /^(Missing \(was Pending\): n|N)o execution signal/.test(e.message)).length).toBe(3);
    expect(r.state.health).toBe('late');
  });

  it('owes the next run once a run pays the one due, and looks at the job again at the new deadline', () => {
    const created = play(spec(), '01:00', []);
    expect([created.state.due, created.state.deadline, nextCheckAt(spec(), created.state)]).toEqual([T('03:00'), T('03:05'), T('03:05')]);
    const r = play(spec(), '01:00', [success('03:01')]);
    expect([r.state.due, r.state.deadline]).toEqual([T('2026-06-02T03:00:00Z'), T('2026-06-02T03:05:00Z')]);
    expect(nextCheckAt(spec(), r.state)).toBe(T('2026-06-02T03:05:00Z'));
  });

  it('looks at a run that starts again when its max_duration is over', () => {
    const job = spec({ maxDurationSeconds: 120 });
    const r = play(job, '01:00', [start('03:00', { rid: 'x' })]);
    expect(r.state.openRuns.map((run) => run.rid)).toEqual(['x']);
    expect(nextCheckAt(job, r.state)).toBe(T('03:02'));
  });
});

describe('the output a signal carries', () => {
  it('is quoted, its end, by the alerts of a failure and of the recovery that follows, and by no other alert', () => {
    const long = `${'x'.repeat(3000)}\nerror: table locked`;
    const failed = play(spec(), '01:00', [fail('03:01', 3, { output: long })]);
    expect(failed.alerts[0]!.evidence.outputTail).toBe(long.slice(-2000));
    const recovered = play(spec(), '01:00', [fail('03:01', 3), success('2026-06-02T03:01:00Z', { output: 'done: 12 rows' })]);
    expect(recovered.alerts.map((a) => [a.transition, a.evidence.outputTail])).toEqual([['failed', undefined], ['recovered', 'done: 12 rows']]);
    const late = play(spec(), '01:00', [deadline('03:00', 300), success('06:02', { output: 'ran late' })]);
    expect(late.alerts.map((a) => [a.transition, a.evidence.outputTail])).toEqual([['missing', undefined], ['recovered', 'ran late'], ['late', undefined]]);
  });
});

describe('config changes', () => {
  it('says which revision changed what, and moves the deadline when grace changes', () => {
    const before = spec();
    let r = step(before, emptyState(), { type: 'config', previous: null, revision: 1, commit: null, changes: [] }, T('01:00'));
    const after = spec({ graceSeconds: 600 });
    r = step(after, r.state, { type: 'config', previous: before, revision: 7, commit: '1a2b3c4d5e', changes: ['grace 5m → 10m'] }, T('01:30'));
    expect(messages(r.timeline)).toEqual(['Config changed in revision 7 (commit 1a2b3c4): grace 5m → 10m']);
    expect(r.state.deadline).toBe(T('03:10'));
    expect(r.state.due).toBe(T('03:00'));
    expect(nextCheckAt(after, r.state)).toBe(T('03:10'));
  });

  it('owes the next run of a new schedule at once', () => {
    const before = spec();
    let r = step(before, emptyState(), { type: 'config', previous: null, revision: 1, commit: null, changes: [] }, T('01:00'));
    r = step(spec({ schedule: { kind: 'cron', cron: '30 1 * * *' } }), r.state, { type: 'config', previous: before, revision: 2, commit: null, changes: ['schedule'] }, T('01:10'));
    expect(r.state.due).toBe(T('01:30'));
  });

  it('pauses and resumes when the file says paused', () => {
    const before = spec();
    let r = step(before, emptyState(), { type: 'config', previous: null, revision: 1, commit: null, changes: [] }, T('01:00'));
    r = step(spec({ paused: true }), r.state, { type: 'config', previous: before, revision: 2, commit: null, changes: ['paused false → true'] }, T('01:10'));
    expect(r.state.status).toBe('paused');
    r = step(before, r.state, { type: 'config', previous: spec({ paused: true }), revision: 3, commit: null, changes: ['paused true → false'] }, T('01:20'));
    expect(r.state.status).toBe('pending');
    expect(r.state.due).toBe(T('03:00'));
  });

  it('keeps a job created paused from being judged', () => {
    const r = step(spec({ paused: true }), emptyState(), { type: 'config', previous: null, revision: 1, commit: null, changes: [] }, T('01:00'));
    expect(r.state.status).toBe('paused');
    expect(r.state.due).toBe(null);
  });
});

describe('the state is not mutated', () => {
  it('returns a new state and leaves the one passed in as it was', () => {
    const r = play(spec(), '01:00', []);
    const frozen = JSON.stringify(r.state);
    step(spec(), r.state, { type: 'signal', kind: 'success', at: T('03:00') }, T('03:00'));
    expect(JSON.stringify(r.state)).toBe(frozen);
  });
});

describe('when a job next needs looking at', () => {
  it('is its deadline, or sooner an open run\'s overrun, or the end of its pause', () => {
    const job = spec({ maxDurationSeconds: 600 });
    const created = play(job, '01:00', []);
    expect(nextCheckAt(job, created.state)).toBe(T('03:05'));
    const running = play(job, '01:00', [start('02:50', { rid: 'r' })]);
    expect(nextCheckAt(job, running.state)).toBe(T('03:00'));
    const paused = play(job, '01:00', [[{ type: 'pause', until: T('05:00') }, '02:00']]);
    expect(nextCheckAt(job, paused.state)).toBe(T('05:00'));
    const pausedForever = play(job, '01:00', [[{ type: 'pause' }, '02:00']]);
    expect(nextCheckAt(job, pausedForever.state)).toBe(null);
  });

  it('follows the state as it moves: a run that pays its due is looked at when it would overrun, then at the next deadline', () => {
    const job = spec({ maxDurationSeconds: 600 });
    const running = play(job, '01:00', [start('03:01', { rid: 'r' })]);
    expect(running.state.deadline).toBe(T('2026-06-02T03:05:00Z'));
    expect(nextCheckAt(job, running.state)).toBe(T('03:11'));
    const finished = play(job, '01:00', [start('03:01', { rid: 'r' }), success('03:04', { rid: 'r' })]);
    expect(nextCheckAt(job, finished.state)).toBe(T('2026-06-02T03:05:00Z'));
  });

  it('judges what is due when the wake-up comes: overruns and the deadline', () => {
    const job = spec({ maxDurationSeconds: 60 });
    const r = play(job, '01:00', [start('02:00', { rid: 'r' })]);
    expect(dueEvents(job, r.state, T('02:00:30'))).toEqual([]);
    expect(dueEvents(job, r.state, T('02:01:30'))).toEqual([{ type: 'overrun', runId: 'r' }]);
    expect(dueEvents(job, r.state, T('03:06'))).toEqual([{ type: 'overrun', runId: 'r' }, { type: 'deadline', due: T('03:00'), deadline: T('03:05') }]);
    const silent = play(job, '01:00', []);
    expect(dueEvents(job, silent.state, T('03:05'))).toEqual([{ type: 'deadline', due: T('03:00'), deadline: T('03:05') }]);
  });
});
