// tRPC: the context every call gets (the server's dependencies and who is calling) and the
// procedures that check the caller's token before anything else runs.
import { initTRPC, TRPCError } from '@trpc/server';
import type { Principal } from '../auth.js';
import type { ServerDeps } from '../deps.js';
import { inputProblem } from './input-guard.js';
import { bodyTooLarge, MAX_BATCH_CALLS } from './limits.js';

export interface Context {
  deps: ServerDeps;
  principal: Principal | null;
}

const t = initTRPC.context<Context>().create({
  errorFormatter: ({ shape }) => ({
    ...shape,
    // tRPC's own words for a refused batch do not say what is allowed.
    message: shape.message === 'Batch call exceeds maximum size' ? `a batch may hold at most ${MAX_BATCH_CALLS} calls` : shape.message,
    data: { code: shape.data.code, httpStatus: shape.data.httpStatus },
  }),
});

export const router = t.router;

/**
 * Every API call needs a bearer token (SPEC §9); its input is then read (the body only now, so a
 * caller without a token never makes the server read one) and checked once for what no schema
 * should meet: NUL characters and deep nesting.
 */
export const authed = t.procedure.use(({ ctx, next }) => {
  if (!ctx.principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid bearer token is required: set PAKYAS_TOKEN or pass --token' });
  }
  return next({ ctx: { ...ctx, principal: ctx.principal } });
}).use(async ({ ctx, getRawInput, next }) => {
  let input: unknown;
  try {
    input = await getRawInput();
  } catch (err) {
    if (err instanceof TRPCError && err.code === 'PAYLOAD_TOO_LARGE') {
      throw new TRPCError({ code: 'PAYLOAD_TOO_LARGE', message: bodyTooLarge(ctx.principal.read_only) });
    }
    throw err;
  }
  const problem = inputProblem(input);
  if (problem) throw new TRPCError({ code: 'BAD_REQUEST', message: problem });
  return next();
});

export const admin = authed.use(({ ctx, next }) => {
  if (!ctx.principal.admin) throw new TRPCError({ code: 'FORBIDDEN', message: 'this needs an admin token' });
  return next();
});

export { readableProjects } from './job-ref.js';

export function assertCanRead(p: Principal, projectId: number, projectName: string): void {
  if (p.admin || p.project_id === projectId) return;
  throw new TRPCError({ code: 'FORBIDDEN', message: `this token cannot read project ${projectName}` });
}

/** Whether the token may change the project (null: one that does not exist yet). */
export function mayWrite(p: Principal, projectId: number | null): boolean {
  return p.admin || (p.project_id !== null && p.project_id === projectId && !p.read_only);
}

export function assertCanWrite(p: Principal, projectId: number | null, projectName: string): void {
  if (mayWrite(p, projectId)) return;
  if (p.project_id === null || p.project_id !== projectId) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `this token cannot change project ${projectName}` });
  }
  if (p.read_only) throw new TRPCError({ code: 'FORBIDDEN', message: `this token is read-only for project ${projectName}` });
}
