// What the web view reads beyond the CLI's calls: a job page in one call, its history, its
// timeline with each run's output, and the project's badge key.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Principal } from '../auth.js';
import { dailyStrip, outcomesOf } from '../core/history.js';
import { upcomingRuns } from '../core/windows.js';
import { getBadgeKey, rotateBadgeKey } from '../db/badges.js';
import { getJob, type JobRow } from '../db/jobs.js';
import { jobRevisions, latestReasons, outcomeRows, type RevisionSummary } from '../db/job-page.js';
import { listTimeline } from '../db/timeline.js';
import { findProjectByName } from '../db/projects.js';
import type { Queryable } from '../db/port.js';
import { assertCanRead, assertCanWrite, authed, mayWrite, router } from './trpc.js';
import { jobView, timelineView } from './views.js';

const name = z.string().min(1).max(64);
const jobRef = z.object({ project: name, job: name });
const DAY = 86_400_000;
/** Runs in the durations chart. */
export const CHART_RUNS = 60;

async function readJob(db: Queryable, p: Principal, ref: z.infer<typeof jobRef>): Promise<JobRow> {
  const project = await findProjectByName(db, ref.project);
  if (project) assertCanRead(p, project.id, project.name);
  const job = project && await getJob(db, ref.project, ref.job);
  if (!job) throw new TRPCError({ code: 'NOT_FOUND', message: `no job ${ref.job} in project ${ref.project}` });
  return job;
}

const revisionView = (r: RevisionSummary | null) => r && {
  number: r.number, commit: r.commit_sha, ref: r.ref, author: r.author, at: new Date(r.created_at).toISOString(),
};

export const webRouter = router({
  /** Everything the top of a job page shows. */
  job: authed.input(jobRef).query(async ({ ctx, input }) => {
    const { db } = ctx.deps;
    const job = await readJob(db, ctx.principal, input);
    const { spec, state } = job;
    const reasons = Object.fromEntries((await latestReasons(db, job.id)).map((r) => [r.kind, timelineView(r)]));
    // The runs owed from the one the job owes now; without one (paused), from now.
    const every = spec.schedule.kind === 'every' ? spec.schedule.everySeconds * 1000 : null;
    const from = state.due !== null ? state.due - (every ?? 1000) : every === null ? Date.now() : null;
    const nextRuns = from === null ? [] : upcomingRuns(spec, new Date(from), 5).map((r) => ({
      due: r.due.toISOString(), windowStart: r.windowStart.toISOString(), deadline: r.deadline.toISOString(),
    }));
    const revisions = await jobRevisions(db, job.project_id, job.name);
    return {
      ...jobView(job, !ctx.principal.read_only),
      reasons: { transition: reasons.transition ?? null, pause: reasons.pause ?? null, check: reasons.check ?? null },
      nextRuns,
      revision: revisionView(revisions.current),
      changedIn: revisionView(revisions.changed),
      mayWrite: mayWrite(ctx.principal, job.project_id),
      badgeKey: await getBadgeKey(db, job.project_id),
    };
  }),

  /** Outcomes over the last 30 days, by day in the job's zone, and the durations of the newest runs. */
  history: authed.input(jobRef).query(async ({ ctx, input }) => {
    const job = await readJob(ctx.deps.db, ctx.principal, input);
    const now = Date.now();
    const { rows, healthBefore } = await outcomeRows(ctx.deps.db, job.id, now - 31 * DAY, 20_000);
    const outcomes = outcomesOf(rows, healthBefore);
    return {
      days: dailyStrip(outcomes, now, job.spec.timezone),
      runs: outcomes.filter((o) => o.durationMs !== null).slice(-CHART_RUNS).map((o) => ({
        at: new Date(o.at).toISOString(), outcome: o.outcome, durationMs: o.durationMs!, exitCode: o.exitCode,
      })),
      maxDurationMs: job.spec.maxDurationSeconds * 1000,
    };
  }),

  /** A page of the timeline, newest first, with the output tail of each finished run. */
  timeline: authed
    .input(jobRef.extend({ limit: z.number().int().min(1).max(100).default(25), before: z.number().int().positive().optional() }))
    .query(async ({ ctx, input }) => {
      const job = await readJob(ctx.deps.db, ctx.principal, input);
      const rows = await listTimeline(ctx.deps.db, job.id, input.limit, input.before ?? null);
      return {
        entries: rows.map((r) => ({ ...timelineView(r), output: r.output, outputCutBytes: r.output_cut_bytes ?? 0 })),
        nextBefore: rows.length === input.limit ? rows.at(-1)!.id : null,
      };
    }),

  /** A new badge key for the project: every badge published with the old one answers 404 from now on. */
  rotateBadgeKey: authed.input(z.object({ project: name })).mutation(async ({ ctx, input }) => {
    const project = await findProjectByName(ctx.deps.db, input.project);
    if (!project) throw new TRPCError({ code: 'NOT_FOUND', message: `no project ${input.project}` });
    assertCanWrite(ctx.principal, project.id, project.name);
    return { project: project.name, badgeKey: await rotateBadgeKey(ctx.deps.db, project.id) };
  }),

  badgeKey: authed.input(z.object({ project: name })).query(async ({ ctx, input }) => {
    const project = await findProjectByName(ctx.deps.db, input.project);
    if (!project) throw new TRPCError({ code: 'NOT_FOUND', message: `no project ${input.project}` });
    assertCanRead(ctx.principal, project.id, project.name);
    return { project: project.name, badgeKey: await getBadgeKey(ctx.deps.db, project.id) };
  }),
});
