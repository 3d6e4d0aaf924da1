// `pakyas alert test`: a message through one channel, now, to check its settings.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { closest } from '../../schema/similar.js';
import { sendTest } from '../alerts.js';
import { loadChannels } from '../db/config.js';
import { findProjectByName } from '../db/projects.js';
import { channelInput } from './config-input.js';
import { authed, assertCanWrite, router } from './trpc.js';

export const alertsRouter = router({
  test: authed
    .input(z.object({ project: z.string().max(64), channel: z.string().max(64), spec: channelInput.optional() }))
    .mutation(async ({ ctx, input }) => {
      const project = await findProjectByName(ctx.deps.db, input.project);
      // Sending is a side effect with the project's name on it: it needs write access.
      assertCanWrite(ctx.principal, project?.id ?? null, input.project);
      // A channel given inline is a target no review has seen: a project token could aim the server
      // at any address with it. Project tokens test channels as applied.
      if (input.spec && !ctx.principal.admin) {
        throw new TRPCError({ code: 'FORBIDDEN', message: `testing a channel from a file needs an admin token; with this token, apply the file and test the channel as applied: pakyas alert test ${input.channel} --project ${input.project}` });
      }
      const applied = input.spec || !project ? [] : await loadChannels(ctx.deps.db, project.id);
      const spec = input.spec ?? applied.find((c) => c.name === input.channel);
      if (!spec) {
        const near = closest(input.channel, applied.map((c) => c.name));
        throw new TRPCError({ code: 'NOT_FOUND', message: `no channel ${input.channel} in project ${input.project}${near ? `; did you mean ${near}?` : ''}` });
      }
      const result = await sendTest(spec, input.project, ctx.deps.alertSettings);
      return result.ok ? { ok: true as const, channel: spec.name, type: spec.type, resolved: result.resolved ?? false } : { ok: false as const, channel: spec.name, type: spec.type, error: result.error };
    }),
});
