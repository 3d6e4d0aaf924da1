// Reading jobs and their timelines; pausing and resuming them; live changes.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { watchRevocation, type Principal } from '../auth.js';
import { CHANGES_CHANNEL, type ChangeNotice } from '../db/notify.js';
import { getJob, listJobs, listJobsByName, type JobRow } from '../db/jobs.js';
import { findProjectByName } from '../db/projects.js';
import { findFinishSignal, listSignals } from '../db/signals.js';
import { listTimeline } from '../db/timeline.js';
import type { ServerDeps } from '../deps.js';
import { judge } from '../judge.js';
import { resolveJobRef } from './job-ref.js';
import { assertCanRead, assertCanWrite, authed, readableProjects, router } from './trpc.js';
import { jobView, timelineView } from './views.js';

const jobRef = z.object({ project: z.string().max(64).optional(), job: z.string().min(1).max(64) });

/** JOB or PROJECT/JOB (or --project), resolved among the projects this token can read. */
async function resolveJob(deps: ServerDeps, p: Principal, ref: z.infer<typeof jobRef>): Promise<JobRow> {
  const r = await resolveJobRef(deps.db, p, ref);
  if (!r.ok) throw new TRPCError({ code: r.code, message: r.message });
  return r.job;
}

/** The least time between two sends of a change stream (the dashboard and web view reload at most every 250 ms). */
const COALESCE_MS = 100;

export const jobsRouter = router({
  list: authed.input(z.object({
    project: z.string().max(64).optional(),
    // Only these jobs: a live view reloads what changed, not the whole fleet. Unknown ones are left out.
    only: z.array(z.object({ project: z.string().max(64), job: z.string().max(64) })).max(1000).optional(),
  }).optional()).query(async ({ ctx, input }) => {
    if (input?.only) return (await listJobsByName(ctx.deps.db, input.only, readableProjects(ctx.principal))).map((row) => jobView(row, !ctx.principal.read_only));
    let visible = readableProjects(ctx.principal);
    if (input?.project !== undefined) {
      const project = await findProjectByName(ctx.deps.db, input.project);
      if (!project) throw new TRPCError({ code: 'NOT_FOUND', message: `no project ${input.project}` });
      assertCanRead(ctx.principal, project.id, project.name);
      visible = [project.id];
    }
    return (await listJobs(ctx.deps.db, visible)).map((row) => jobView(row, !ctx.principal.read_only));
  }),

  get: authed.input(jobRef).query(async ({ ctx, input }) => {
    const job = await resolveJob(ctx.deps, ctx.principal, input);
    const signals = await listSignals(ctx.deps.db, job.id, 10);
    const finish = job.state.lastRun ? await findFinishSignal(ctx.deps.db, job.id, job.state.lastRun.finishedAt) : null;
    return {
      ...jobView(job, !ctx.principal.read_only),
      // What the last run printed (its finish signal's body), for `pakyas status JOB`.
      lastOutput: finish?.body ? { text: finish.body, cutBytes: finish.body_cut_bytes } : null,
      signals: signals.map((s) => ({
        kind: s.kind, receivedAt: new Date(s.received_at).toISOString(), occurredAt: new Date(s.occurred_at).toISOString(),
        replayed: s.replayed, rid: s.rid, exitCode: s.exit_code, durationMs: s.duration_ms, host: s.host, body: s.body, bodyCutBytes: s.body_cut_bytes,
      })),
    };
  }),

  timeline: authed
    .input(jobRef.extend({
      limit: z.number().int().min(1).max(1000).default(50),
      before: z.number().int().positive().optional(),
      /** Only entries at or after this moment (ISO-8601). */
      since: z.string().datetime({ offset: true }).optional(),
    }))
    .query(async ({ ctx, input }) => {
      const job = await resolveJob(ctx.deps, ctx.principal, input);
      const rows = await listTimeline(ctx.deps.db, job.id, input.limit, input.before ?? null, input.since ? Date.parse(input.since) : null);
      return { project: job.project, job: job.name, entries: rows.map(timelineView), nextBefore: rows.length === input.limit ? rows.at(-1)!.id : null };
    }),

  pause: authed
    .input(jobRef.extend({ reason: z.string().max(500).optional(), forSeconds: z.number().int().min(1).max(366 * 86400).optional() }))
    .mutation(async ({ ctx, input }) => {
      const job = await resolveJob(ctx.deps, ctx.principal, input);
      assertCanWrite(ctx.principal, job.project_id, job.project);
      const now = Date.now();
      await judge(ctx.deps, job.id, { type: 'pause', reason: input.reason ?? null, until: input.forSeconds ? now + input.forSeconds * 1000 : null, by: ctx.principal.name }, now);
      return jobView((await getJob(ctx.deps.db, job.project, job.name))!, true);
    }),

  resume: authed.input(jobRef.extend({ reason: z.string().max(500).optional() })).mutation(async ({ ctx, input }) => {
    const job = await resolveJob(ctx.deps, ctx.principal, input);
    assertCanWrite(ctx.principal, job.project_id, job.project);
    await judge(ctx.deps, job.id, { type: 'resume', reason: input.reason ?? null, by: ctx.principal.name });
    return jobView((await getJob(ctx.deps.db, job.project, job.name))!, true);
  }),

  /** Every change to a job the token can read, as it is committed, from any server on the database. */
  changes: authed.subscription(async function* ({ ctx, signal }) {
    const visible = readableProjects(ctx.principal);
    const names = visible === null ? null : new Set((await listJobs(ctx.deps.db, visible)).map((j) => j.project));
    // Notices by job: a job that changes again before the next send is sent once, as it is now.
    const queue = new Map<string, ChangeNotice>();
    let revoked = false;
    let wake: (() => void) | null = null;
    const unlisten = await ctx.deps.db.listen(CHANGES_CHANNEL, (payload) => {
      try {
        const notice = JSON.parse(payload) as ChangeNotice;
        if (names === null || names.has(notice.project)) {
          const key = `${notice.project}/${notice.job}`;
          queue.delete(key);
          queue.set(key, notice);
          wake?.();
        }
      } catch { /* not ours */ }
    });
    let unwatch: (() => Promise<void>) | null = null;
    // One listener for the stream's whole life: one added per wait would pile up, a dashboard open
    // for a day waiting thousands of times.
    const onAbort = () => wake?.();
    signal?.addEventListener('abort', onAbort);
    try {
      // The token was checked when the stream opened; a revoked token must stop hearing changes too.
      unwatch = await watchRevocation(ctx.deps.db, ctx.principal.id, () => { revoked = true; wake?.(); });
      while (!signal?.aborted) {
        if (revoked) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'this token has been revoked' });
        if (queue.size === 0) {
          await new Promise<void>((resolve) => { wake = resolve; });
          wake = null;
          continue;
        }
        const sent = [...queue.values()];
        queue.clear();
        yield sent;
        // Under load, changes are sent at most every COALESCE_MS, each job once: a view reloads
        // what changed no faster than that, and a stream per change (thousands a second at full
        // ingest) cost the server and every open view more than the signals' own writes.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, COALESCE_MS);
          wake = () => { if (revoked || signal?.aborted) { clearTimeout(timer); resolve(); } };
        });
        wake = null;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await unwatch?.();
      await unlisten();
    }
  }),
});
