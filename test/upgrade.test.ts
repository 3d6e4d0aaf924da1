import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../server/db/postgres.js';
import { adminClient, cleanUp, DATABASE_URL, eventually, newSchema, startTestServer } from './helpers/server.js';

// A database made before ticks held one pg-boss row per wake-up on a queue nothing reads now.
describe.skipIf(!DATABASE_URL)('upgrading a database from before ticks', () => {
  afterAll(cleanUp);

  it('queues ticks for the wake-ups it already had, so their deadlines are still judged', async () => {
    const schema = newSchema();
    let server = await startTestServer('postgres', { schema });
    await adminClient(server).projects.applyConfig.mutate({
      config: { project: 'old', jobs: [{ name: 'nightly', description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1 }], channels: [], routes: [] },
      source: { commit: null, ref: null, author: null, source: 'test' }, expectedRevision: null,
    });
    await server.close();
    // Make it look as it did before migration 004: the deadline 2 s away, and no tick for it.
    const db = openPostgres({ url: DATABASE_URL!, schema });
    try {
      const deadline = Date.now() + 2000;
      await db.query(`update jobs set next_check_at = to_timestamp($1::float8 / 1000),
        state = jsonb_set(jsonb_set(state, '{deadline}', to_jsonb($1::float8)), '{due}', to_jsonb($1::float8 - 300000))`, [deadline]);
      await db.query(`delete from "${schema}_boss".job where name = 'pakyas-ticks'`);
      await db.query('drop index jobs_next_check');
      await db.query('delete from pakyas_migrations where version = 4');
    } finally {
      await db.close();
    }
    server = await startTestServer('postgres', { schema });
    try {
      const job = await eventually(async () => {
        const j = await adminClient(server).jobs.get.query({ project: 'old', job: 'nightly' });
        return j.state === 'missing' ? j : null;
      }, 8000, 100);
      expect(job.state).toBe('missing');
    } finally {
      await server.close();
    }
  }, 30_000);
});
