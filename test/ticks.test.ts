import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleWakes, TICK_QUEUE, TICK_MS } from '../server/ticks.js';
import type { RunningServer } from '../server/main.js';
import { adminClient, backends, cleanUp, eventually, newSchema, startTestServer, uniqueProject } from './helpers/server.js';

describe.each(backends)('ticks on %s', (backend) => {
  let server: RunningServer;
  let inserts = 0;
  let lastInsert: Array<{ data?: { at: number } }> = [];
  let bossSchema = 'pgboss';
  beforeAll(async () => {
    const schema = backend === 'postgres' ? newSchema() : undefined;
    if (schema) bossSchema = `${schema}_boss`;
    server = await startTestServer(backend, schema ? { schema } : {});
    // Count pg-boss inserts: the point is the statements saved, not the rows (a singleton key
    // keeps the rows to one per tick either way).
    const boss = server.deps.boss;
    const insert = boss.insert.bind(boss);
    boss.insert = ((...args: Parameters<typeof insert>) => { inserts++; lastInsert = args[1] as typeof lastInsert; return insert(...args); }) as typeof boss.insert;
  });
  afterAll(async () => { await server?.close(); await cleanUp(); });

  /** Schedules wake-ups in a transaction and tells the waker after commit, as judging does. */
  async function schedule(times: number[]): Promise<number[]> {
    const { db, boss, waker } = server.deps;
    const queued = await db.transaction((tx) => scheduleWakes(boss, tx, times, { queued: waker }));
    for (const at of queued) waker.at(at);
    return queued;
  }
  /** Queued ticks for a time. */
  const rows = async (tick: number) => (await server.deps.db.query<{ n: number }>(
    `select count(*)::int as n from "${bossSchema}".job where name = $1 and singleton_key = $2`, [TICK_QUEUE, String(tick)]))[0]!.n;

  it('queues a tick once for wake-ups that share its time, and skips the insert for the ones after', async () => {
    const base = Math.ceil((Date.now() + 120_000) / TICK_MS) * TICK_MS;
    const before = inserts;
    expect(await schedule([base - 30])).toEqual([base]);
    expect(inserts).toBe(before + 1);
    expect(server.deps.waker.has(base)).toBe(true);
    // Another job's wake-up in the same 100 ms: the tick is queued and committed, no statement.
    expect(await schedule([base - 60, base])).toEqual([]);
    expect(inserts).toBe(before + 1);
    expect(await rows(base)).toBe(1);
  });

  it('inserts ticks in time order, so that two transactions inserting the same ticks queue instead of deadlocking', async () => {
    const base = Math.ceil((Date.now() + 300_000) / TICK_MS) * TICK_MS;
    // Judged jobs come in id order, their wake-ups in any order of time.
    expect(await schedule([base + 2 * TICK_MS, base, base + TICK_MS])).toEqual([base, base + TICK_MS, base + 2 * TICK_MS]);
    expect(lastInsert.map((t) => t.data?.at)).toEqual([base, base + TICK_MS, base + 2 * TICK_MS]);
  });

  it('queues a tick again when it is due within seconds, as it may run before the commit', async () => {
    const soon = Math.ceil((Date.now() + 2000) / TICK_MS) * TICK_MS;
    const before = inserts;
    await schedule([soon]);
    await schedule([soon]);
    expect(inserts).toBe(before + 2);
  });

  it('judges the jobs due at a tick that arrives early by this host\'s clock (the database\'s runs ahead)', async () => {
    const project = uniqueProject();
    await adminClient(server).projects.applyConfig.mutate({
      config: { project, jobs: [{ name: 'nightly', description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1 }], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    // The job's deadline just before a tick 3 s away, and no tick queued but one that pg-boss
    // hands over now: as it would were the database's clock 3 s ahead of this host's.
    const tick = Math.ceil((Date.now() + 3000) / TICK_MS) * TICK_MS;
    const deadline = tick - 50;
    await server.deps.db.query(
      `update jobs set next_check_at = to_timestamp($1::float8 / 1000),
         state = jsonb_set(jsonb_set(state, '{deadline}', to_jsonb($1::float8)), '{due}', to_jsonb($1::float8 - 300000))
       where name = 'nightly' and project_id = (select id from projects where name = $2)`, [deadline, project]);
    await server.deps.db.query(`delete from "${bossSchema}".job where name = $1`, [TICK_QUEUE]);
    await server.deps.boss.insert(TICK_QUEUE, [{ data: { at: tick }, startAfter: new Date(Date.now() - 1000), singletonKey: `early-${tick}` }]);
    // Judged when the tick arrives, before this host's clock reaches its time.
    await eventually(async () => (await adminClient(server).jobs.get.query({ project, job: 'nightly' })).state === 'missing', 2500, 50);
    expect(Date.now()).toBeLessThan(tick);
  });
});
