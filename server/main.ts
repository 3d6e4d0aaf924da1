// Wiring only: open the database, migrate, start pg-boss and its check worker, serve HTTP.
import type { AddressInfo } from 'node:net';
import { PgBoss, fromPglite } from 'pg-boss';
import type { PGlite } from '@electric-sql/pglite';
import { DEFAULT_ALERT_SETTINGS, DELIVERY_QUEUE, Deliverer, recordAlerts, type AlertSettings } from './alerts.js';
import { checkChosenToken, ensureAdminToken } from './auth.js';
import { scheduleWakes, TICK_QUEUE, TICK_QUEUE_OPTIONS, Waker, type TickData } from './checks.js';
import { anyOverdueWakeup, futureWakeups } from './db/jobs.js';
import { migrate } from './db/migrate.js';
import { openPglite } from './db/pglite.js';
import type { Database } from './db/port.js';
import { openPostgres } from './db/postgres.js';
import type { ServerDeps } from './deps.js';
import { createHttpServer } from './http.js';
import { createWebView } from './web.js';
import { wakeDue, type JudgeDeps } from './judge.js';
import { Metrics } from './metrics.js';
import { metricsAccess } from './metrics-access.js';
import { RateLimiter } from './api/rate-limit.js';
import {
  checkRetention, DEFAULT_RETENTION, Pruner, queueNextPass, queuePassNow, RETENTION_QUEUE, RETENTION_QUEUE_OPTIONS, type RetentionSettings,
} from './retention.js';
import { SignalQueue } from './signals.js';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** A real Postgres; without it, embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** The schema for Pakyas's tables on Postgres (default public); pg-boss uses `${schema}_boss` or pgboss. */
  schema?: string;
  dataDir?: string;
  /** An already open embedded database, for tests that reuse one (a cold PGlite costs seconds). */
  pglite?: { db: Database; pglite: PGlite; bossSchema: string };
  adminToken?: string;
  log?: (line: string) => void;
  /** How often the check worker polls when no timer woke it, in seconds. */
  pollingIntervalSeconds?: number;
  alerts?: Partial<AlertSettings>;
  /** Signals per second per ping key (burst: twice that); 0 turns the limit off. */
  pingRate?: number;
  /** When set, /metrics needs `Authorization: Bearer <it>` (PAKYAS_METRICS_TOKEN). */
  metricsToken?: string;
  /** The URL users reach the server by (PAKYAS_PUBLIC_URL); /metrics then answers only to its host name. */
  publicUrl?: string;
  /** What is kept and how often it is pruned (the CLI reads PAKYAS_RETENTION_*: retentionFromEnv). */
  retention?: Partial<RetentionSettings>;
}

export interface RunningServer {
  url: string;
  port: number;
  deps: ServerDeps;
  /** The admin token generated on the first start, to print once; null when it existed or came from the environment. */
  generatedAdminToken: string | null;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  // Options that cannot work are refused before anything is opened, so a failed start leaves
  // nothing running.
  const adminToken = options.adminToken ?? process.env.PAKYAS_ADMIN_TOKEN;
  if (adminToken) checkChosenToken('PAKYAS_ADMIN_TOKEN', adminToken);
  const metricsRules = metricsAccess(options);
  const retention: RetentionSettings = { ...DEFAULT_RETENTION, ...options.retention };
  const badRetention = checkRetention(retention);
  if (badRetention) throw new Error(badRetention);
  let db: Database;
  let boss: PgBoss;
  let ownsDb = true;
  if (options.pglite) {
    db = options.pglite.db;
    ownsDb = false;
    boss = new PgBoss({ db: fromPglite(options.pglite.pglite), backend: 'pglite', schema: options.pglite.bossSchema });
  } else if (options.databaseUrl) {
    db = openPostgres({ url: options.databaseUrl, ...(options.schema ? { schema: options.schema } : {}) });
    boss = new PgBoss({ connectionString: options.databaseUrl, schema: options.schema ? `${options.schema}_boss` : 'pgboss', max: 8, application_name: 'pakyas' });
  } else {
    const embedded = await openPglite({ dataDir: options.dataDir ?? '.pakyas' });
    db = embedded.db;
    boss = new PgBoss({ db: fromPglite(embedded.pglite), backend: 'pglite' });
  }
  boss.on('error', (err: Error) => log(`pg-boss: ${err.message}`));

  const migrated = await migrate(db);
  await boss.start();
  // Policy 'short': one queued tick per time (singleton key), however many jobs are due then. A
  // tick takes milliseconds to seconds: one still active after 30 s belongs to a worker that died,
  // and pg-boss hands it to another.
  await boss.createQueue(TICK_QUEUE, TICK_QUEUE_OPTIONS);
  // Delivery ticks likewise: the Deliverer schedules retries with backoff itself (each timeline
  // entry says when the next attempt comes), and a claim that lapses is taken over by a tick.
  await boss.createQueue(DELIVERY_QUEUE, TICK_QUEUE_OPTIONS);
  await boss.createQueue(RETENTION_QUEUE, RETENTION_QUEUE_OPTIONS);
  const alertSettings: AlertSettings = { ...DEFAULT_ALERT_SETTINGS, ...options.alerts, ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}) };

  const pingRate = options.pingRate ?? Number(process.env.PAKYAS_PING_RATE ?? 200);
  const metrics = new Metrics();
  let workerId = '';
  const waker = new Waker(() => { if (workerId) boss.notifyWorker(workerId); });
  const deliverer = new Deliverer(db, boss, alertSettings, {
    wake: (at) => alertWaker.at(at), log, onResult: (status) => metrics.countDelivery(status),
  });
  // This process sends what it queued at once, and its retries on time, without waiting for
  // pg-boss to fetch the tick: the ticks are for replicas and restarts.
  const alertWaker = new Waker(() => { deliverer.drain().catch((err: Error) => log(`claiming alert deliveries failed: ${err.message}`)); });
  const judging: JudgeDeps = {
    db, boss, waker, alertWaker,
    recordAlerts: (tx, owed) => recordAlerts(boss, tx, owed),
    onStep: (_job, _before, result) => metrics.countStep(result),
  };
  const deps: ServerDeps = {
    ...judging, metrics, log, startedAt: Date.now(), alertSettings,
    pingLimiter: new RateLimiter(pingRate, pingRate * 2),
    // Embedded, transactions run one at a time on its one connection: one batch in flight collects
    // the most signals. On Postgres, two in flight measured best (bench/ingest.mjs: 1 → 8 signals a
    // batch but idle time between; 4 → batches of 3 and more commits; docs/performance.md).
    signals: new SignalQueue(judging, {
      concurrency: db.kind === 'pglite' ? 1 : 2, maxBatch: 200, onTransaction: () => { metrics.signalTransactions++; },
    }),
  };

  // A tick judges every job due by its time, 64 to a transaction, two transactions side by side
  // (skip locked: replicas share the work). It stops after 100 rounds so one tick never runs
  // forever; any job still due is taken by the next tick, which every judged job schedules.
  const drain = async (now: number) => {
    for (let round = 0; round < 100; round++) {
      const lags = await wakeDue(deps, now, 64);
      for (const lag of lags) metrics.countCheck(lag);
      if (lags.length < 64) return;
    }
  };
  workerId = await boss.work<TickData>(TICK_QUEUE, { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 }, async (ticks) => {
    // pg-boss hands a tick over by the database's clock. Where this host's clock is behind it, the
    // tick arrives before its time here; judged by this clock, the jobs due at the tick would be
    // left unjudged with no tick to come for them (a missing alert never sent). The tick's time is
    // when the database says it is: judge what is due by then.
    const now = Math.max(Date.now(), ...ticks.map((t) => t.data?.at ?? 0));
    await Promise.all([drain(now), drain(now)]);
  });

  await boss.work(DELIVERY_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 }, () => deliverer.drain());

  // Retention passes chain themselves: each queues the next before it starts, so one that fails
  // still leaves one to come, and a start queues one now (a chain is never left broken for long).
  let closed = false;
  const pruner = new Pruner(db, retention);
  // A pass a minute needs no poll every half second: one every 10 s at most (the interval, if shorter).
  await boss.work(RETENTION_QUEUE, { batchSize: 1, pollingIntervalSeconds: Math.min(retention.intervalSeconds, 10) }, async () => {
    await queueNextPass(boss, retention.intervalSeconds);
    const pruned = await pruner.pass(Date.now(), () => !closed).catch((err: Error) => {
      log(`retention pass failed (pg-boss retries it): ${err.message}`);
      throw err;
    });
    metrics.countPruned('signals', pruned.signals);
    metrics.countPruned('timeline', pruned.timeline);
  });
  await queuePassNow(boss);

  // After a crash, a tick may be held by a worker that no longer exists (pg-boss hands it on after
  // 30 s): if any job is overdue, queue a tick now, which judges every due job.
  if (await anyOverdueWakeup(db, 5000)) await scheduleWakes(boss, db, [Date.now()]);
  // A database from before ticks (migration 004) had one pg-boss row per wake-up, which nothing
  // reads now: queue the ticks for its future wake-ups once, when upgrading.
  if (migrated.includes('004_due_index.sql')) {
    const times = await futureWakeups(db);
    for (let i = 0; i < times.length; i += 1000) for (const at of await scheduleWakes(boss, db, times.slice(i, i + 1000))) waker.at(at);
  }
  // Likewise deliveries left due by a process that stopped: this one claims them (none, if none are).
  alertWaker.at(Date.now());

  const generatedAdminToken = await ensureAdminToken(db, adminToken);

  const web = createWebView(deps, { publicUrl: options.publicUrl });
  const http = createHttpServer(deps, metricsRules, web);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    deps,
    generatedAdminToken,
    close: () => (closing ??= (async () => {
      closed = true;
      waker.stop();
      alertWaker.stop();
      web.close();
      await new Promise<void>((resolve) => { http.close(() => resolve()); http.closeAllConnections(); });
      await deliverer.stop();
      await boss.stop({ graceful: true, timeout: 5000, close: true });
      if (ownsDb) await db.close();
    })()),
  };
}
