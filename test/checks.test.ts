import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleWakes, TICK_QUEUE, TICK_MS } from '../server/checks.js';
import type { RunningServer } from '../server/main.js';
import { backends, cleanUp, startTestServer } from './helpers/server.js';

describe.each(backends)('ticks on %s', (backend) => {
  let server: RunningServer;
  let inserts = 0;
  beforeAll(async () => {
    server = await startTestServer(backend);
    // Count pg-boss inserts: the point is the statements saved, not the rows (a singleton key
    // keeps the rows to one per tick either way).
    const boss = server.deps.boss;
    const insert = boss.insert.bind(boss);
    boss.insert = ((...args: Parameters<typeof insert>) => { inserts++; return insert(...args); }) as typeof boss.insert;
  });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  /** Schedules wake-ups in a transaction and tells the waker after commit, as judging does. */
  async function schedule(times: number[]): Promise<number[]> {
    const { db, boss, waker } = server.deps;
    const queued = await db.transaction((tx) => scheduleWakes(boss, tx, times, TICK_QUEUE, waker));
    for (const at of queued) waker.at(at);
    return queued;
  }
  /** Queued ticks for a time, on the embedded database (whose pg-boss schema is pgboss). */
  const rows = async (tick: number) => (await server.deps.db.query<{ n: number }>(
    'select count(*)::int as n from pgboss.job where name = $1 and singleton_key = $2', [TICK_QUEUE, String(tick)]))[0]!.n;

  it('queues a tick once for wake-ups that share its time, and skips the insert for the ones after', async () => {
    const base = Math.ceil((Date.now() + 120_000) / TICK_MS) * TICK_MS;
    const before = inserts;
    expect(await schedule([base - 30])).toEqual([base]);
    expect(inserts).toBe(before + 1);
    expect(server.deps.waker.has(base)).toBe(true);
    // Another job's wake-up in the same 100 ms: the tick is queued and committed, no statement.
    expect(await schedule([base - 60, base])).toEqual([]);
    expect(inserts).toBe(before + 1);
    if (backend === 'pglite') expect(await rows(base)).toBe(1);
  });

  it('queues a tick again when it is due within seconds, as it may run before the commit', async () => {
    const soon = Math.ceil((Date.now() + 2000) / TICK_MS) * TICK_MS;
    const before = inserts;
    await schedule([soon]);
    await schedule([soon]);
    expect(inserts).toBe(before + 2);
  });
});
