import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../server/api/router.js';
import { authenticate } from '../server/auth.js';
import { notifyChange } from '../server/db/notify.js';
import type { RunningServer } from '../server/main.js';
import { ADMIN, cleanUp, startTestServer, uniqueProject } from './helpers/server.js';

// The live changes subscription (jobs.changes) waits for NOTIFYs for as long as a dashboard is
// open: hours, thousands of waits. What it holds must not grow with them.
describe('the live changes subscription', () => {
  let server: RunningServer;
  beforeAll(async () => { server = await startTestServer('pglite'); });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  it('keeps one abort listener on its request however many changes it waits for', async () => {
    const principal = await authenticate(server.deps.db, `Bearer ${ADMIN}`);
    const request = new AbortController();
    const caller = appRouter.createCaller({ deps: server.deps, principal }, { signal: request.signal });
    const changes = (await caller.jobs.changes())[Symbol.asyncIterator]();
    const project = uniqueProject();
    const heard: string[] = [];
    /** Waits for the change to `job` to arrive, sending it until it does (the first waits for LISTEN to start). */
    const hear = async (job: string) => {
      let next = changes.next();
      let arrived = false;
      for (;;) {
        const sending = (async () => {
          while (!arrived) {
            await notifyChange(server.deps.db, { project, job, status: 'running' });
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        const { value } = await next;
        for (const notice of value ?? []) heard.push(notice.job);
        if (heard.includes(job)) { arrived = true; await sending; return; }
        next = changes.next();
      }
    };
    try {
      for (let i = 0; i < 20; i++) await hear(`j${i}`);
      expect(getEventListeners(request.signal, 'abort').length).toBeLessThanOrEqual(1);
    } finally {
      request.abort();
      await changes.return?.(undefined);
    }
    expect(getEventListeners(request.signal, 'abort')).toEqual([]);
  });
});
