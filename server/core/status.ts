// The signal model (SPEC §1–2): one pure function from (job, state, event, now) to the next state,
// the timeline entries that explain it and the alerts it owes. When the job next needs looking at
// is derived from the state (nextCheckAt), not returned. No IO and no clock: `now` is passed in, so
// every rule is a row in a table test.
import type { JobSpec } from '../../schema/types.js';
import { describeSchedule, formatClock, formatClockIn, formatElapsed, formatZoned } from './format.js';
import { nextDue } from './windows.js';
import { BAD, HISTORY_KEPT, MAX_REPLAY_AGE_MS, STATUS_LABEL, type Health } from '../../schema/vocabulary.js';
import {
  cloneState, statusOf, type AlertIntent, type JobEvent, type JobState,
  type OpenRun, type RunTiming, type SignalEvent, type Step, type TimelineEntry,
} from './state.js';

/** A check that runs later than this after its time means Pakyas was not judging (down, or stalled). */
export const CHECK_LAG_MS = 15_000;
/** Past this many overdue runs at once, the timeline sums them up in one entry. */
const MAX_ENTRIES_PER_CATCH_UP = 20;
const MAX_OPEN_RUNS = 20;
const MAX_UNJUDGED = 50;
/** Of a signal's output, an alert quotes the end, this many characters. */
const ALERT_OUTPUT_CHARS = 2000;

/** Everything one step accumulates; `state` is a private copy that the rules mutate. */
interface Ctx {
  job: JobSpec;
  now: number;
  state: JobState;
  timeline: TimelineEntry[];
  alerts: AlertIntent[];
}

export function step(job: JobSpec, state: JobState, event: JobEvent, now: number): Step {
  const ctx: Ctx = { job, now, state: cloneState(state), timeline: [], alerts: [] };

  switch (event.type) {
    case 'signal': onSignal(ctx, event); break;
    case 'deadline': onDeadline(ctx, event.due, event.deadline); break;
    case 'overrun': onOverrun(ctx, event.runId); break;
    case 'pause': pause(ctx, event.reason ?? null, event.until ?? null, event.by ?? null); break;
    case 'resume': onResume(ctx, event); break;
    case 'config': onConfig(ctx, event); break;
  }

  ctx.state.status = statusOf(ctx.state);
  return { state: ctx.state, timeline: ctx.timeline, alerts: ctx.alerts };
}

/** Several steps of one job as one: the last state, and everything each step produced, in order. */
export function mergeSteps(initial: JobState, steps: Step[]): Step {
  return {
    state: steps.at(-1)?.state ?? initial,
    timeline: steps.flatMap((r) => r.timeline),
    alerts: steps.flatMap((r) => r.alerts),
  };
}

// ---- signals ----------------------------------------------------------------------------------

function onSignal(ctx: Ctx, e: SignalEvent): void {
  const s = ctx.state;
  if (e.kind === 'log') {
    note(ctx, e.at, 'log', e.message ? `Log: ${e.message}` : 'Log signal received', { signal: 'log', host: e.host ?? null });
    return;
  }
  s.lastSignalAt = Math.max(s.lastSignalAt ?? 0, e.at);
  if (s.paused) {
    note(ctx, e.at, 'signal', `${capital(e.kind)} signal recorded while paused; it is not judged`, signalData(e));
    return;
  }
  if (e.kind === 'start') return onStart(ctx, e);
  return onFinish(ctx, e);
}

function onStart(ctx: Ctx, e: SignalEvent): void {
  const s = ctx.state;
  if (e.rid && s.openRuns.some((r) => r.rid === e.rid)) {
    note(ctx, e.at, 'signal', `Start signal repeated for run ${e.rid}; the run was already open`, signalData(e));
    return;
  }
  // A start retried until after its own finish (pakyas monitor retries a slow start in the
  // background): the run is over; opened now, it would never close and would end Overrunning.
  if (e.rid && s.lastRun?.rid === e.rid) {
    note(ctx, e.at, 'signal', `Start signal for run ${e.rid} arrived after its finish; the run is already over`, signalData(e));
    return;
  }
  catchUp(ctx, e.at, !e.replayed);
  const timing = judgeRunStart(ctx, e.at);
  const run: OpenRun = {
    id: e.rid ?? `t${e.at}-${s.openRuns.length}`, rid: e.rid ?? null, startedAt: e.at,
    host: e.host ?? null, timing, overrunning: false,
  };
  s.openRuns.push(run);
  if (s.openRuns.length > MAX_OPEN_RUNS) {
    const dropped = s.openRuns.shift()!;
    note(ctx, e.at, 'check', `A run that started ${clock(ctx, dropped.startedAt)} never finished; it is no longer tracked (at most ${MAX_OPEN_RUNS} open runs)`);
  }
  note(ctx, e.at, 'signal', `Run started${e.host ? ` on ${e.host}` : ''}: ${timing.reason}${replayedNote(e)}`, signalData(e));
}

function onFinish(ctx: Ctx, e: SignalEvent): void {
  const s = ctx.state;
  const index = e.rid ? s.openRuns.findIndex((r) => r.rid === e.rid) : 0;
  const run: OpenRun | undefined = index >= 0 ? s.openRuns[index] : undefined;
  let startedAt: number | null;
  let timing: RunTiming;
  if (run) {
    // Deadlines that fell during the run are judged while it is still open: it covers them.
    catchUp(ctx, e.at, !e.replayed);
    s.openRuns.splice(s.openRuns.indexOf(run), 1);
    startedAt = run.startedAt;
    timing = run.timing;
  } else {
    // A finish with no start is the run signal itself. When the sender measured the duration,
    // the run started that long ago, and its start is what the window judges.
    startedAt = e.durationMs != null ? e.at - e.durationMs : null;
    const judgedAt = startedAt ?? e.at;
    catchUp(ctx, judgedAt, !e.replayed);
    timing = judgeRunStart(ctx, judgedAt);
  }
  const durationMs = e.durationMs ?? (startedAt !== null ? e.at - startedAt : null);
  const exitCode = e.exitCode ?? (e.kind === 'success' ? 0 : null);
  const outcome: Health = e.kind === 'fail' ? 'failed' : timing.onTime ? 'on_schedule' : 'late';
  s.lastRun = { startedAt, finishedAt: e.at, exitCode, durationMs, outcome, rid: e.rid ?? null };
  pushHistory(s, e.at, outcome);

  const took = durationMs !== null ? ` after ${formatElapsed(durationMs)}` : '';
  const evidence = { exitCode, durationMs, startedAt, finishedAt: e.at, host: e.host ?? null, timing: timing.reason, ...(run?.overrunning ? { overran: true } : {}) };
  // What the run showed, after "Failed (was On Schedule): ".
  let detail: string;
  if (outcome === 'failed') {
    detail = `${exitCode !== null ? `exit code ${exitCode}` : 'explicit fail'}${took}`;
  } else if (outcome === 'late') {
    detail = `${timing.reason}${took}`;
  } else {
    detail = `${exitCode !== null ? `exit code ${exitCode}` : 'success'}${took}, ${timing.reason}`;
  }
  detail += replayedNote(e);
  const owed = ctx.alerts.length;
  setHealth(ctx, e.at, outcome, detail, evidence, `Run finished${exitCode !== null ? ` with exit code ${exitCode}` : ''}${took}: ${outcome === 'failed' ? 'failed' : timing.reason}${replayedNote(e)}`,
    { signal: e.kind });
  // A failure's alert carries the end of the output that explains it, and a recovery the output of
  // the run that recovered.
  if (e.output) {
    for (const a of ctx.alerts.slice(owed)) {
      if (a.transition === 'failed' || a.transition === 'recovered') a.evidence = { ...a.evidence, outputTail: e.output.slice(-ALERT_OUTPUT_CHARS) };
    }
  }
}

/**
 * Judges a run that started at `t` against the schedule (SPEC §2) and moves `due` as the rules say.
 * Deadlines before `t` have been judged already (catchUp).
 */
function judgeRunStart(ctx: Ctx, t: number): RunTiming {
  const s = ctx.state;
  const { job } = ctx;
  const grace = job.graceSeconds * 1000;
  const every = job.schedule.kind === 'every' ? job.schedule.everySeconds * 1000 : null;

  // 1. Inside the window of the run owed: on time; it pays that run.
  if (s.due !== null && s.deadline !== null && t >= s.due - grace && t <= s.deadline) {
    const paid = s.due;
    const extended = s.deadline > s.due + grace;
    s.missedDue = null;
    // A run that starts early, inside the grace before its time, has paid that time: the next run
    // owed is the one after it, not the same one again (which would then be marked missing).
    setDue(ctx, every !== null ? t + every : nextDue(job.schedule, job.timezone, new Date(Math.max(t, paid))).getTime());
    return { onTime: true, due: paid, reason: `on time for the run due ${clock(ctx, paid)}${extended ? ' (its grace was extended after Pakyas was unavailable)' : ''}` };
  }
  // 2. The run marked missing, arriving after all: that run, late (on time only if it really
  //    started inside that window, which a replayed signal can show).
  if (s.missedDue !== null) {
    const missed = s.missedDue;
    s.missedDue = null;
    if (every !== null) setDue(ctx, t + every);
    const inWindow = Math.abs(t - missed) <= grace;
    return inWindow
      ? { onTime: true, due: missed, reason: `on time for the run due ${clock(ctx, missed)}, which had been marked missing before its signal arrived` }
      : { onTime: false, due: missed, reason: `ran ${clock(ctx, t)}, ${formatElapsed(t - (missed + grace))} after its window ${windowText(ctx, missed)}` };
  }
  // A run that was owed while Pakyas was unavailable, reported late by a replayed signal.
  const unjudged = s.unjudged.find((u) => Math.abs(t - u) <= grace);
  if (unjudged !== undefined) {
    s.unjudged = s.unjudged.filter((u) => u !== unjudged);
    return { onTime: true, due: unjudged, reason: `on time for the run due ${clock(ctx, unjudged)}, owed while Pakyas was unavailable` };
  }
  // 3. Before the window of the run owed: nothing is owed yet.
  if (every !== null) {
    setDue(ctx, t + every);
    return { onTime: true, due: null, reason: `on time (an interval job may check in early; next run due ${clock(ctx, t + every)})` };
  }
  const next = s.due !== null ? ` next run due ${clock(ctx, s.due)}` : '';
  return { onTime: false, due: null, reason: `ran ${clock(ctx, t)}, outside any expected window (an unscheduled run;${next})` };
}

// ---- deadlines --------------------------------------------------------------------------------

function onDeadline(ctx: Ctx, due: number, deadline: number): void {
  const s = ctx.state;
  // Compare-and-set: a check for a run the job has already paid, or for a deadline that has since
  // moved, is stale. That makes retries, restarts and a second server replica harmless.
  if (s.paused || s.due !== due || s.deadline !== deadline || ctx.now < deadline) return;
  if (ctx.now - deadline > CHECK_LAG_MS) return extendAfterOutage(ctx);
  catchUp(ctx, ctx.now + 1, true);
}

/**
 * Judges every deadline before `t`, oldest first, so that an outcome never depends on how quickly
 * a check ran. `live` is false for replayed signals, whose time is in the past.
 */
function catchUp(ctx: Ctx, t: number, live: boolean): void {
  const s = ctx.state;
  let judged = 0;
  let summarised: { count: number; first: number; last: number } | null = null;
  while (s.due !== null && s.deadline !== null && s.deadline < t && !s.paused) {
    // A deadline that nobody judged in time means Pakyas itself was not running: it must not page
    // anyone for its own downtime, so the job gets its grace again (SPEC §2).
    if (live && ctx.now - s.deadline > CHECK_LAG_MS) {
      extendAfterOutage(ctx);
      continue;
    }
    if (judged >= MAX_ENTRIES_PER_CATCH_UP) {
      summarised ??= { count: 0, first: s.due, last: s.due };
      summarised.count++;
      summarised.last = s.due;
      markMissed(ctx, true);
    } else {
      markMissed(ctx, false);
    }
    judged++;
  }
  if (summarised) {
    note(ctx, ctx.now, 'missed', `${summarised.count} more runs, due ${clock(ctx, summarised.first)} to ${clock(ctx, summarised.last)}, were missed too`);
  }
}

/** The run owed at the current deadline did not start: missing (or covered by an open run). */
function markMissed(ctx: Ctx, quiet: boolean): void {
  const s = ctx.state;
  const due = s.due!;
  const deadline = s.deadline!;
  const extended = deadline > due + ctx.job.graceSeconds * 1000;
  advanceDue(ctx);
  if (s.openRuns.length > 0) {
    // Overrunning covers a run that is still going; a deadline does not call it missing.
    const run = s.openRuns[0]!;
    if (!quiet) note(ctx, deadline, 'check', `The run due ${clock(ctx, due)} did not start separately: the run that started ${clock(ctx, run.startedAt)} is still going`);
    return;
  }
  s.missedDue = due;
  pushHistory(s, deadline, 'missing');
  const detail = `no execution signal was received for the run due ${clock(ctx, due)} (deadline ${formatClockIn(new Date(deadline), ctx.job.timezone)}${extended ? ', extended after Pakyas was unavailable' : ''})`;
  const evidence = { due, deadline, window: windowText(ctx, due), lastSignalAt: s.lastSignalAt };
  if (quiet) {
    s.badStreak++;
    s.health = 'missing';
    return;
  }
  setHealth(ctx, deadline, 'missing', detail, evidence, capital(detail));
}

/** Pakyas was not judging at the deadline: skip what it cannot judge fairly, give grace again. */
function extendAfterOutage(ctx: Ctx): void {
  const s = ctx.state;
  const { job, now } = ctx;
  const grace = job.graceSeconds * 1000;
  // Every run whose deadline passed unjudged but the newest was owed while Pakyas was away.
  let skipped = 0;
  const firstSkipped = s.due!;
  let latest = s.due!;
  for (;;) {
    const next = job.schedule.kind === 'every' ? latest + job.schedule.everySeconds * 1000 : nextDue(job.schedule, job.timezone, new Date(latest)).getTime();
    if (next + grace >= now) break;
    s.unjudged.push(latest);
    latest = next;
    skipped++;
    if (skipped > 100_000) break;
  }
  // A replayed signal (up to 24 h old) may still report one of them.
  s.unjudged = s.unjudged.filter((u) => u > now - MAX_REPLAY_AGE_MS).slice(-MAX_UNJUDGED);
  const oldDeadline = latest + grace;
  s.due = latest;
  s.deadline = now + grace;
  if (skipped > 0) {
    note(ctx, now, 'check', `${skipped} earlier run${skipped === 1 ? '' : 's'} (due ${clock(ctx, firstSkipped)} onwards) fell while Pakyas was unavailable and ${skipped === 1 ? 'is' : 'are'} not judged`);
  }
  note(ctx, now, 'check', `Pakyas was unavailable at the deadline ${clock(ctx, oldDeadline)} of the run due ${clock(ctx, latest)}; the job has its grace again, until ${clock(ctx, s.deadline)}, to deliver`);
}

function advanceDue(ctx: Ctx): void {
  const s = ctx.state;
  const { job } = ctx;
  const next = job.schedule.kind === 'every'
    ? s.due! + job.schedule.everySeconds * 1000
    : nextDue(job.schedule, job.timezone, new Date(s.due!)).getTime();
  setDue(ctx, next);
}

function setDue(ctx: Ctx, due: number): void {
  ctx.state.due = due;
  ctx.state.deadline = due + ctx.job.graceSeconds * 1000;
}

// ---- overruns ---------------------------------------------------------------------------------

function onOverrun(ctx: Ctx, runId: string): void {
  const s = ctx.state;
  const run = s.openRuns.find((r) => r.id === runId);
  if (!run || run.overrunning || s.paused) return;
  const limit = ctx.job.maxDurationSeconds * 1000;
  if (ctx.now < run.startedAt + limit) return; // max_duration grew since the check was scheduled
  run.overrunning = true;
  const detail = `the run that started ${clock(ctx, run.startedAt)}${run.host ? ` on ${run.host}` : ''} has not finished after ${formatElapsed(ctx.now - run.startedAt)} (max_duration ${formatElapsed(limit)})`;
  pushHistory(s, ctx.now, 'overrunning');
  setHealth(ctx, ctx.now, 'overrunning', detail, { startedAt: run.startedAt, maxDurationMs: limit, runId: run.rid, host: run.host }, capital(detail));
}

// ---- health and alerts ------------------------------------------------------------------------

/**
 * Moves health to `to`, writes why, and owes an alert only on a meaningful transition: into a bad
 * health once alert_after consecutive bad outcomes are reached, into late, and back to on schedule
 * after an alerted bad health (recovered). Never on a repeat, never on Running → On Schedule.
 *
 * A transition names both states, then the evidence: "Failed (was On Schedule): exit code 3 after
 * 12.4s". The timeline entry and the alert say the same sentence. `marks` go on the timeline entry
 * only (which signal wrote it), never into an alert's evidence.
 */
function setHealth(
  ctx: Ctx, at: number, to: Health, detail: string, evidence: Record<string, unknown>, quietReason: string, marks: Record<string, unknown> = {},
): void {
  const s = ctx.state;
  const from = s.health;
  s.health = to;
  const reason = from !== to ? `${STATUS_LABEL[to]} (was ${STATUS_LABEL[from ?? 'pending']}): ${detail}` : `${STATUS_LABEL[to]}: ${detail}`;
  if (from !== to) note(ctx, at, 'transition', reason, { from, to, ...evidence, ...marks });
  else note(ctx, at, to === 'missing' ? 'missed' : 'signal', quietReason, { ...evidence, ...marks });

  if (BAD.includes(to)) {
    s.badStreak++;
    const reached = s.badStreak >= ctx.job.alertAfter;
    if (reached && (from !== to || s.alerted === null) && s.alerted !== to) {
      const streak = ctx.job.alertAfter > 1 ? ` (${s.badStreak} bad runs in a row)` : '';
      ctx.alerts.push({ transition: to as 'failed' | 'missing' | 'overrunning', from: from ?? 'pending', to, at, reason: reason + streak, evidence });
      s.alerted = to;
    }
    return;
  }
  s.badStreak = 0;
  if (to === 'late') {
    if (from !== 'late') {
      // The run happened: whoever was told it was missing (or failed) hears that it ran, and how
      // late, and PagerDuty resolves the incident now rather than at the next on-time run.
      if (s.alerted !== null && s.alerted !== 'late') {
        ctx.alerts.push({ transition: 'recovered', from: from ?? 'pending', to, at, reason, evidence: { ...evidence, previously: s.alerted } });
        s.alerted = null;
      }
      ctx.alerts.push({ transition: 'late', from: from ?? 'pending', to, at, reason, evidence });
      s.alerted ??= 'late';
    }
    return;
  }
  // on_schedule
  if (s.alerted !== null) {
    ctx.alerts.push({ transition: 'recovered', from: from ?? 'pending', to, at, reason, evidence: { ...evidence, previously: s.alerted } });
    s.alerted = null;
  }
}

// ---- pause, resume, config --------------------------------------------------------------------

function pause(ctx: Ctx, reason: string | null, until: number | null, by: string | null): void {
  const s = ctx.state;
  const was = s.paused;
  s.paused = { since: was?.since ?? ctx.now, reason, until, by };
  s.due = null;
  s.deadline = null;
  s.missedDue = null;
  s.openRuns = [];
  const parts = [`${was ? 'Pause updated' : 'Paused'}${by ? ` by ${by}` : ''}`];
  if (reason) parts.push(`: ${reason}`);
  if (until !== null) parts.push(`; resumes by itself at ${clock(ctx, until)}`);
  parts.push('. Signals are recorded but not judged, and nothing alerts');
  note(ctx, ctx.now, 'pause', parts.join(''), { reason, until });
}

function onResume(ctx: Ctx, e: Extract<JobEvent, { type: 'resume' }>): void {
  const s = ctx.state;
  if (!s.paused) return;
  if (e.auto && s.paused.until !== e.auto.until) return; // the pause was changed since
  s.paused = null;
  startJudging(ctx);
  const who = e.auto ? 'Resumed by itself at the end of its pause' : `Resumed${e.by ? ` by ${e.by}` : ''}${e.reason ? `: ${e.reason}` : ''}`;
  note(ctx, ctx.now, 'pause', `${who}; judging again, next run due ${clock(ctx, s.due!)} (deadline ${clock(ctx, s.deadline!)})`);
}

/** Owes the next scheduled run after now, as on a fresh start: nothing from before is held against the job. */
function startJudging(ctx: Ctx): void {
  const { job, now } = ctx;
  const s = ctx.state;
  s.missedDue = null;
  setDue(ctx, job.schedule.kind === 'every' ? now + job.schedule.everySeconds * 1000 : nextDue(job.schedule, job.timezone, new Date(now)).getTime());
}

function onConfig(ctx: Ctx, e: Extract<JobEvent, { type: 'config' }>): void {
  const { job } = ctx;
  const s = ctx.state;
  const rev = `revision ${e.revision}${e.commit ? ` (commit ${e.commit.slice(0, 7)})` : ''}`;
  const prev = e.previous;
  if (!prev) {
    note(ctx, ctx.now, 'config', `Created in ${rev}: ${describeSchedule(job)}, grace ${formatElapsed(job.graceSeconds * 1000)}, max_duration ${formatElapsed(job.maxDurationSeconds * 1000)}`);
    if (job.paused) return pause(ctx, `paused in pakyas.yaml (${rev})`, null, null);
    startJudging(ctx);
    note(ctx, ctx.now, 'check', `Pending until its first signal; first run due ${clock(ctx, s.due!)} (deadline ${clock(ctx, s.deadline!)})`);
    return;
  }
  note(ctx, ctx.now, 'config', `Config changed in ${rev}: ${e.changes.join(', ') || 'no field changes'}`);
  if (job.paused && !s.paused) return pause(ctx, `paused in pakyas.yaml (${rev})`, null, null);
  if (!job.paused && prev.paused && s.paused) {
    s.paused = null;
    startJudging(ctx);
    note(ctx, ctx.now, 'pause', `Resumed by ${rev}; judging again, next run due ${clock(ctx, s.due!)}`);
    return;
  }
  if (s.paused) return;
  const scheduleChanged = JSON.stringify(prev.schedule) !== JSON.stringify(job.schedule) || prev.timezone !== job.timezone;
  if (scheduleChanged) {
    startJudging(ctx);
    note(ctx, ctx.now, 'check', `Schedule changed: next run due ${clock(ctx, s.due!)} (deadline ${clock(ctx, s.deadline!)})`);
  } else if (prev.graceSeconds !== job.graceSeconds && s.due !== null && s.deadline === s.due + prev.graceSeconds * 1000) {
    s.deadline = s.due + job.graceSeconds * 1000;
  }
}

// ---- wording ----------------------------------------------------------------------------------

function note(ctx: Ctx, at: number, kind: TimelineEntry['kind'], message: string, data?: Record<string, unknown>): void {
  ctx.timeline.push(data ? { at, kind, message, data } : { at, kind, message });
}

/** "03:00 CET = 02:00 UTC" (or "03:00 UTC"): a time of day as timelines and alerts say it. */
function clock(ctx: Ctx, t: number): string {
  return formatZoned(new Date(t), ctx.job.timezone);
}

/** "02:55–03:05 CET": a window in the job's zone. */
function windowText(ctx: Ctx, due: number): string {
  const g = ctx.job.graceSeconds * 1000;
  return `${formatClock(new Date(due - g), ctx.job.timezone)}–${formatClockIn(new Date(due + g), ctx.job.timezone)}`;
}

function pushHistory(s: JobState, at: number, outcome: Health): void {
  s.history.push({ at, outcome });
  if (s.history.length > HISTORY_KEPT) s.history.splice(0, s.history.length - HISTORY_KEPT);
}

function signalData(e: SignalEvent): Record<string, unknown> {
  return { signal: e.kind, rid: e.rid ?? null, exitCode: e.exitCode ?? null, durationMs: e.durationMs ?? null, host: e.host ?? null, ...(e.replayed ? { replayed: true } : {}) };
}

function replayedNote(e: SignalEvent): string {
  return e.replayed ? ' (replayed later with the time it happened)' : '';
}

const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);
