// The whole tRPC API. The CLI imports only `type AppRouter` from here.
import { alertsRouter } from './alerts.js';
import { jobsRouter } from './jobs.js';
import { projectsRouter } from './projects.js';
import { tokensRouter } from './tokens.js';
import { router } from './trpc.js';

export const appRouter = router({
  projects: projectsRouter,
  jobs: jobsRouter,
  tokens: tokensRouter,
  alerts: alertsRouter,
});

export type AppRouter = typeof appRouter;
