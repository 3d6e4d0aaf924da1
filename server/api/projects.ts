// plan and apply: config as code (SPEC §5).
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { applyProject, planProject, StalePlanError } from '../apply.js';
import { findProjectByName, listProjects } from '../db/projects.js';
import { UuidTakenError } from '../db/job-uuids.js';
import { listRevisions } from '../db/revisions.js';
import { projectConfigInput, revisionSourceInput } from './config-input.js';
import { assertCanRead, assertCanWrite, authed, mayWrite, readableProjects, router } from './trpc.js';

export const projectsRouter = router({
  // A mutation only so that the config travels in a POST body: a plan of 10,000 jobs is no URL.
  planConfig: authed.input(z.object({ config: projectConfigInput })).mutation(async ({ ctx, input }) => {
    const project = await findProjectByName(ctx.deps.db, input.config.project);
    if (project) assertCanRead(ctx.principal, project.id, project.name);
    else if (!ctx.principal.admin) throw new TRPCError({ code: 'FORBIDDEN', message: `project ${input.config.project} does not exist yet; its first apply needs an admin token` });
    // Hidden values are compared only for a token that could apply them: a read-only token would
    // otherwise confirm a guessed secret by planning it and reading whether it "changed".
    return planProject(ctx.deps.db, input.config, { compareSecrets: mayWrite(ctx.principal, project?.id ?? null) });
  }),

  applyConfig: authed
    .input(z.object({ config: projectConfigInput, source: revisionSourceInput, expectedRevision: z.number().int().min(0).nullable() }))
    .mutation(async ({ ctx, input }) => {
      const project = await findProjectByName(ctx.deps.db, input.config.project);
      assertCanWrite(ctx.principal, project?.id ?? null, input.config.project);
      try {
        return await applyProject(ctx.deps, input.config, input.source, input.expectedRevision);
      } catch (err) {
        if (err instanceof StalePlanError || err instanceof UuidTakenError) throw new TRPCError({ code: 'CONFLICT', message: err.message });
        throw err;
      }
    }),

  list: authed.query(async ({ ctx }) => {
    const visible = readableProjects(ctx.principal);
    const rows = await listProjects(ctx.deps.db);
    return rows
      .filter((p) => visible === null || visible.includes(p.id))
      .map((p) => ({ project: p.name, revision: p.revision, pingKey: ctx.principal.read_only ? null : p.ping_key, createdAt: new Date(p.created_at).toISOString() }));
  }),

  revisions: authed.input(z.object({ project: z.string().max(64), limit: z.number().int().min(1).max(100).default(20) })).query(async ({ ctx, input }) => {
    const project = await findProjectByName(ctx.deps.db, input.project);
    if (!project) throw new TRPCError({ code: 'NOT_FOUND', message: `no project ${input.project}` });
    assertCanRead(ctx.principal, project.id, project.name);
    const rows = await listRevisions(ctx.deps.db, project.id, input.limit);
    // The hash takes in sha256 of each secret: with the rest of the file known, a guess could be
    // checked against it offline, so only a token that may write (and compare) sees it.
    const hashes = mayWrite(ctx.principal, project.id);
    return rows.map((r) => ({
      revision: r.number, contentHash: hashes ? r.content_hash : null, commit: r.commit_sha, ref: r.ref, author: r.author, source: r.source,
      changes: r.changes, createdAt: new Date(r.created_at).toISOString(),
    }));
  }),
});
