// Tokens for CI and people: admin-only to create, list and revoke.
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { MAX_NAME_LENGTH, NAME_PATTERN } from '../../schema/vocabulary.js';
import { newPingKey } from '../apply.js';
import { hashToken, newToken } from '../auth.js';
import { findProjectByName, insertProject, lockProjectName } from '../db/projects.js';
import { deleteToken, insertToken, listTokens } from '../db/tokens.js';
import { admin, router } from './trpc.js';

export const tokensRouter = router({
  create: admin
    .input(z.object({ name: z.string().min(1).max(100).optional(), project: z.string().regex(NAME_PATTERN).max(MAX_NAME_LENGTH).optional(), readOnly: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      if (input.project === undefined && input.readOnly) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'a read-only token is limited to one project: pass --project' });
      }
      const token = newToken();
      return ctx.deps.db.transaction(async (tx) => {
        let projectId: number | null = null;
        if (input.project !== undefined) {
          // A token for a project that has never been applied creates it, so that CI can hold a
          // scoped token from its very first apply.
          await lockProjectName(tx, input.project);
          projectId = (await findProjectByName(tx, input.project) ?? await insertProject(tx, input.project, newPingKey())).id;
        }
        const scope = input.project === undefined ? 'admin' : `${input.readOnly ? 'read-only' : 'read-write'} ${input.project}`;
        const name = input.name ?? `${scope} token`;
        const id = await insertToken(tx, { name, hash: hashToken(token), projectId, readOnly: input.readOnly, admin: input.project === undefined });
        return { id, name, token, project: input.project ?? null, readOnly: input.readOnly, admin: input.project === undefined };
      });
    }),

  list: admin.query(async ({ ctx }) => (await listTokens(ctx.deps.db)).map((t) => ({
    id: t.id, name: t.name, project: t.project, readOnly: t.read_only, admin: t.admin,
    createdAt: new Date(t.created_at).toISOString(), lastUsedAt: t.last_used_at ? new Date(t.last_used_at).toISOString() : null,
  }))),

  revoke: admin.input(z.object({ id: z.number().int().positive() })).mutation(async ({ ctx, input }) => {
    if (ctx.principal.id === input.id) throw new TRPCError({ code: 'BAD_REQUEST', message: 'a token cannot revoke itself' });
    if (!(await deleteToken(ctx.deps.db, input.id))) throw new TRPCError({ code: 'NOT_FOUND', message: `no token ${input.id}` });
    return { revoked: input.id };
  }),
});
