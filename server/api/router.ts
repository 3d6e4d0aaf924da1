// The whole tRPC API. The CLI imports only `type AppRouter` from here.
import { alertsRouter } from './alerts.js';
import { jobsRouter } from './jobs.js';
import { projectsRouter } from './projects.js';
import { tokensRouter } from './tokens.js';
import { router } from './trpc.js';
import { webRouter } from './web.js';

export const appRouter = router({
  projects: projectsRouter,
  jobs: jobsRouter,
  tokens: tokensRouter,
  alerts: alertsRouter,
  web: webRouter,
});

export type AppRouter = typeof appRouter;
