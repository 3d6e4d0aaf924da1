import { EventSource } from 'eventsource';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../cli/client.js';
import { openPostgres } from '../server/db/postgres.js';
import { runCli } from './helpers/cli.js';
import { faultProxy } from './helpers/fault-proxy.js';
import { findPgbouncer, startPgbouncer } from './helpers/pgbouncer.mjs';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { ADMIN, cleanUp, DATABASE_URL, eventually, hourlyJob, newSchema, TEST_SOURCE } from './helpers/server.js';

// Production Postgres often sits behind PgBouncer in transaction mode, where one client's
// transactions run on whichever server connection is free: named prepared statements, LISTEN and
// session settings do not carry over. The server runs here through a PgBouncer of its own, with
// five server connections for its dozens of clients, and the direct URL beside it.
const POOL_SIZE = 5;
const skipped = !DATABASE_URL ? 'PAKYAS_TEST_DATABASE_URL is not set' : !findPgbouncer() ? 'pgbouncer is not installed (apt-get install pgbouncer)' : null;

describe.skipIf(skipped)(`the server behind PgBouncer in transaction mode${skipped ? ` (skipped: ${skipped})` : ''}`, () => {
  let pgbouncer: Awaited<ReturnType<typeof startPgbouncer>>;
  let server: ServerProcess | null = null;
  let receiver: Receiver;
  let pingKey: string;
  const schema = newSchema();
  const client = () => createClient({ server: server!.url, token: ADMIN });

  beforeAll(async () => {
    pgbouncer = await startPgbouncer({
      target: DATABASE_URL!, poolSize: POOL_SIZE,
      // `pakyas` gives its server connections the schema, as an operator's pgbouncer.ini does
      // (docs/postgres.md); `bare` is the same database without it.
      databases: { pakyas: `connect_query='SET search_path = ${schema}'`, bare: '' },
    });
    receiver = await startReceiver();
    server = await spawnServer({
      DATABASE_URL: pgbouncer.url('pakyas'), PAKYAS_DATABASE_DIRECT_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: schema,
      PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_PING_RATE: '0',
    });
    const applied = await client().projects.applyConfig.mutate({
      config: {
        project: 'pooled',
        jobs: [
          ...Array.from({ length: 20 }, (_, i) => hourlyJob(`job-${i}`)),
          hourlyJob('live'),
          // Missing about two seconds after the apply.
          hourlyJob('quick', { schedule: { kind: 'every', everySeconds: 1 }, graceSeconds: 1 }),
        ],
        channels: [{ name: 'hook', type: 'webhook', settings: { url: `${receiver.url}/pooled` } }],
        routes: [{ match: { job: 'quick' }, notify: ['hook'], on: ['missing'] }],
      },
      source: TEST_SOURCE, expectedRevision: null,
    });
    pingKey = applied.pingKey;
  });

  afterAll(async () => {
    await server?.stop();
    await pgbouncer?.stop();
    await receiver?.close();
    await cleanUp();
  });

  it('answers 200 to each of 3,000 signals sent by 60 clients at once, and stores every one', async () => {
    const clients = 60;
    const each = 50;
    const statuses = new Map<number, number>();
    await Promise.all(Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < each; i++) {
        const r = await fetch(`${server!.url}/ping/${pingKey}/job-${(c + i) % 20}`, { method: 'POST' });
        await r.text();
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }));
    expect(Object.fromEntries(statuses)).toEqual({ 200: clients * each });
    const db = openPostgres({ url: DATABASE_URL!, schema });
    try {
      const [row] = await db.query<{ n: number }>(`select count(*) as n from signals s join jobs j on j.id = s.job_id where j.name like 'job-%'`);
      expect(row!.n).toBe(clients * each);
    } finally {
      await db.close();
    }
    expect(server!.output()).not.toMatch(/prepared statement/);
  }, 40_000);

  it('judges a missed deadline Missing and delivers its alert to a webhook', async () => {
    await eventually(async () => (await client().jobs.list.query({ project: 'pooled' })).find((j) => j.job === 'quick')?.state === 'missing', 15_000, 100);
    await eventually(async () => receiver.received.find((r) => r.json?.job === 'quick' && r.json?.transition === 'missing'), 15_000, 100);
  }, 40_000);

  it('streams a job\'s change to a live subscription, which listens on the direct connection', async () => {
    const heard: string[] = [];
    const live = createClient({ server: server!.url, token: ADMIN }, { eventSource: EventSource });
    const sub = live.jobs.changes.subscribe(undefined, {
      onData: (notices) => { for (const n of notices) heard.push(`${n.project}/${n.job}`); },
    });
    try {
      // Signals until one is heard: the first may come before the subscription's LISTEN has begun.
      await eventually(async () => {
        await (await fetch(`${server!.url}/ping/${pingKey}/live`, { method: 'POST' })).text();
        return heard.includes('pooled/live');
      }, 15_000, 250);
    } finally {
      sub.unsubscribe();
    }
  }, 30_000);

  it('passes array parameters through the pooler, whose connections do not fetch Postgres\'s array types', async () => {
    // A token for one project lists its jobs with a bigint[] of project ids.
    const { token } = await client().tokens.create.mutate({ project: 'pooled', readOnly: true });
    const jobs = await createClient({ server: server!.url, token }).jobs.list.query({ project: 'pooled' });
    expect(jobs.map((j) => j.job)).toContain('quick');

    const session = openPostgres({ url: DATABASE_URL!, schema, max: 1 });
    const db = openPostgres({ url: pgbouncer.url('pakyas'), schema, pooled: { session } });
    try {
      const text = ['a', 'b"c', 'd\\e', '{x,y}', '', null, 'ü ✓'];
      const [row] = await db.query<{ t: unknown; b: unknown }>('select to_jsonb($1::text[]) as t, to_jsonb($2::bigint[]) as b', [text, [1, 2 ** 40]]);
      expect(row).toEqual({ t: text, b: [1, 2 ** 40] });
    } finally {
      await db.close();
    }
  });

  it('leaves no prepared statement on any of the pooler\'s server connections', async () => {
    // Every server connection of the pool at once, each held in a transaction until all have
    // answered: the pool has POOL_SIZE, so these are all of them, the ones the server used.
    const look = async (url: string, statement: (tx: postgres.TransactionSql) => Promise<unknown>, prepare = false) => {
      const sql = postgres(url, { max: POOL_SIZE, prepare, onnotice: () => {} });
      let arrive = () => {};
      let count = 0;
      const everyone = new Promise<void>((resolve) => { arrive = () => { if (++count === POOL_SIZE) resolve(); }; });
      try {
        return await Promise.all(Array.from({ length: POOL_SIZE }, () => sql.begin(async (tx) => {
          await statement(tx);
          const [row] = await tx`select pg_backend_pid() as pid, (select count(*)::int from pg_prepared_statements) as prepared`;
          arrive();
          await everyone;
          return row as { pid: number; prepared: number };
        })));
      } finally {
        await sql.end();
      }
    };
    const pooled = await look(pgbouncer.url('pakyas'), async () => {});
    expect(new Set(pooled.map((r) => r.pid)).size).toBe(POOL_SIZE);
    expect(pooled.map((r) => r.prepared)).toEqual(pooled.map(() => 0));

    // The same look sees a statement that a client does prepare (on the other pool, `bare`).
    const prepared = await look(pgbouncer.url('bare'), (tx) => tx.unsafe('select $1::int as x', [1], { prepare: true }), true);
    expect(prepared.every((r) => r.prepared >= 1)).toBe(true);
  }, 30_000);

  it('refuses to start when the pooler\'s server connections lack the schema, and says how to give it to them', async () => {
    const other = newSchema();
    const start = spawnServer({
      DATABASE_URL: pgbouncer.url('bare'), PAKYAS_DATABASE_DIRECT_URL: DATABASE_URL!, PAKYAS_DB_SCHEMA: other, PAKYAS_ADMIN_TOKEN: ADMIN,
    });
    const failure = await start.then((s) => { void s.stop(); return ''; }, (err: Error) => err.message);
    expect(failure).toContain(`pakyas server: could not start: through DATABASE_URL (a transaction pooler, as PAKYAS_DATABASE_DIRECT_URL is set) the tables are looked up in schema "public", not "${other}"`);
    expect(failure).toContain(`connect_query='SET search_path = ${other}'`);
  }, 30_000);
});

describe('the pooler settings', () => {
  const start = (env: Record<string, string | undefined>) => runCli(['server', '--port', '0'], { env: { PAKYAS_ADMIN_TOKEN: ADMIN, ...env } });

  it('refuses a direct URL without DATABASE_URL, saying what each is for', async () => {
    const r = await start({ DATABASE_URL: undefined, PAKYAS_DATABASE_DIRECT_URL: 'postgres://pakyas@db:5432/pakyas' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('pakyas server: PAKYAS_DATABASE_DIRECT_URL is set but DATABASE_URL is not: DATABASE_URL is the pooler (PgBouncer in transaction mode), '
      + 'PAKYAS_DATABASE_DIRECT_URL a direct connection to the same Postgres; set both, or only DATABASE_URL (docs/postgres.md)\n');
  });

  it('refuses a direct URL equal to DATABASE_URL', async () => {
    const r = await start({ DATABASE_URL: 'postgres://pakyas@db:6432/pakyas', PAKYAS_DATABASE_DIRECT_URL: 'postgres://pakyas@db:6432/pakyas' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^pakyas server: PAKYAS_DATABASE_DIRECT_URL is the same as DATABASE_URL; set it only when DATABASE_URL is a pooler in transaction mode/);
  });

  it('refuses a URL that is not postgres://, without showing its password', async () => {
    const r = await start({ DATABASE_URL: 'postgres://pakyas@db:6432/pakyas', PAKYAS_DATABASE_DIRECT_URL: 'mysql://pakyas:hunter2@db/pakyas' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`pakyas server: PAKYAS_DATABASE_DIRECT_URL must be a postgres:// or postgresql:// URL, not 'mysql://pakyas:***@db/pakyas'\n`);
  });
});

// Postgres going away behind the pooler: PgBouncer keeps the server's connections to it open and
// makes queries wait for a server connection (query_wait_timeout), then refuses them for a while
// (server_login_retry). Signals must still get 503 quickly, and the server recover by itself.
describe.skipIf(skipped)(`the database going away behind PgBouncer${skipped ? ` (skipped: ${skipped})` : ''}`, () => {
  let pgbouncer: Awaited<ReturnType<typeof startPgbouncer>> | null = null;
  let server: ServerProcess | null = null;
  afterAll(async () => { await server?.stop('SIGKILL'); await pgbouncer?.stop(); await cleanUp(); });

  it('answers 503 fast while it is gone, stays up, and recovers by itself', async () => {
    const proxy = await faultProxy(new URL(DATABASE_URL!));
    const viaProxy = new URL(DATABASE_URL!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const schema = newSchema();
    pgbouncer = await startPgbouncer({
      target: viaProxy.toString(), poolSize: POOL_SIZE, databases: { pakyas: `connect_query='SET search_path = ${schema}'` },
      settings: ['query_wait_timeout = 5', 'server_login_retry = 2'],
    });
    server = await spawnServer({
      DATABASE_URL: pgbouncer.url('pakyas'), PAKYAS_DATABASE_DIRECT_URL: viaProxy.toString(), PAKYAS_DB_SCHEMA: schema,
      PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_PING_RATE: '0',
    });
    const applied = await createClient({ server: server.url, token: ADMIN }).projects.applyConfig.mutate({
      config: { project: 'outage', jobs: [hourlyJob('a')], channels: [], routes: [] }, source: TEST_SOURCE, expectedRevision: null,
    });
    const ping = async () => {
      const t = Date.now();
      const r = await fetch(`${server!.url}/ping/${applied.pingKey}/a`, { signal: AbortSignal.timeout(30_000) }).catch((err) => {
        throw new Error(`${err.message}; the server ${server!.child.exitCode === null ? 'runs' : `exited with ${server!.child.exitCode}`}; its output:\n${server!.output().slice(-3000)}`, { cause: err });
      });
      return { status: r.status, ms: Date.now() - t, body: await r.text() };
    };
    expect((await ping()).status).toBe(200);

    await proxy.down();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await ping());
    expect(during.map((d) => d.status)).toEqual([503, 503, 503, 503, 503]);
    // The first waits out query_wait_timeout (5 s here; PgBouncer's default is 120 s); the rest
    // are refused at once while server_login_retry lasts.
    expect(Math.max(...during.map((d) => d.ms))).toBeLessThan(6500);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    expect(server.child.exitCode).toBe(null);

    await proxy.up();
    await eventually(async () => (await ping()).status === 200, 30_000, 250);
    expect(server.child.exitCode).toBe(null);
    await proxy.down();
  }, 90_000);
});
