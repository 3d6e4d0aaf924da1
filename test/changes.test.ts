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

  it('sends a job that changes many times in a burst once per send, as it is last', async () => {
    const principal = await authenticate(server.deps.db, `Bearer ${ADMIN}`);
    const request = new AbortController();
    const caller = appRouter.createCaller({ deps: server.deps, principal }, { signal: request.signal });
    const changes = (await caller.jobs.changes())[Symbol.asyncIterator]();
    const project = uniqueProject();
    try {
      // The first change opens the stream (LISTEN has started once it is heard)...
      let first = changes.next();
      let opened = false;
      const opening = (async () => {
        while (!opened) {
          await notifyChange(server.deps.db, { project, job: 'warm', status: 'running' });
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      while (!((await first).value ?? []).some((n) => n.project === project)) first = changes.next();
      opened = true;
      await opening;
      // ...then 200 changes of one job at once: sent in a few messages, not 200, ending as it ended.
      for (let i = 0; i < 199; i++) await notifyChange(server.deps.db, { project, job: 'busy', status: 'running' });
      await notifyChange(server.deps.db, { project, job: 'busy', status: 'failed' });
      const busy: string[] = [];
      let messages = 0;
      while (busy.at(-1) !== 'failed') {
        const { value } = await changes.next();
        messages++;
        for (const n of value ?? []) if (n.job === 'busy') busy.push(n.status);
      }
      expect(messages).toBeLessThan(20);
      expect(busy.length).toBeLessThan(20);
    } finally {
      request.abort();
      await changes.return?.(undefined);
    }
  });
});
