// Wiring only: open the database, migrate, start pg-boss and its check worker, serve HTTP.
import type { AddressInfo } from 'node:net';
import { PgBoss, fromPglite } from 'pg-boss';
import type { PGlite } from '@electric-sql/pglite';
import { ALERT_QUEUE, DEFAULT_ALERT_SETTINGS, deliver, recordAlerts, type AlertSettings, type DeliveryData } from './alerts.js';
import { ensureAdminToken } from './auth.js';
import { CHECK_QUEUE, wakeJob, Waker, type WakeData } from './checks.js';
import { overdueWakeups } from './db/jobs.js';
import { migrate } from './db/migrate.js';
import { openPglite } from './db/pglite.js';
import { isUnavailable, type Database } from './db/port.js';
import { openPostgres } from './db/postgres.js';
import type { ServerDeps } from './deps.js';
import { createHttpServer } from './http.js';
import { wakeUps, type JudgeDeps } from './judge.js';
import { Metrics } from './metrics.js';
import { RateLimiter } from './api/rate-limit.js';
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

  await migrate(db);
  await boss.start();
  // A wake-up takes milliseconds: one still active after 30 s belongs to a worker that died, and
  // pg-boss hands it to another.
  await boss.createQueue(CHECK_QUEUE, { retryLimit: 10, retryDelay: 1, retryBackoff: true, retryDelayMax: 60, expireInSeconds: 30 });
  // Delivery retries with backoff are scheduled by deliver() itself, so that each timeline entry can
  // say when the next attempt comes; pg-boss's own retries cover a worker that died mid-attempt.
  await boss.createQueue(ALERT_QUEUE, { retryLimit: 3, retryDelay: 5, expireInSeconds: 60 });
  const alertSettings: AlertSettings = { ...DEFAULT_ALERT_SETTINGS, ...options.alerts };

  const pingRate = options.pingRate ?? Number(process.env.PAKYAS_PING_RATE ?? 200);
  const metrics = new Metrics();
  let workerId = '';
  let alertWorkerId = '';
  const waker = new Waker(() => { if (workerId) boss.notifyWorker(workerId); });
  const alertWaker = new Waker(() => { if (alertWorkerId) boss.notifyWorker(alertWorkerId); });
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

  // A batch of wake-ups is judged in one transaction (a burst of deadlines costs a few statements
  // per 64 jobs); two batches run side by side. If a batch fails for a reason other than the
  // database being away, its jobs are judged one by one, so that one job's trouble is not the
  // others'; any that still fail are retried by pg-boss (judging twice is harmless).
  workerId = await boss.work<WakeData>(CHECK_QUEUE, { batchSize: 64, localConcurrency: 2, burstWhenBatchFull: true, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 }, async (jobs) => {
    const wakes = jobs.map((job) => job.data);
    for (const w of wakes) metrics.countCheck(Date.now() - w.at);
    try {
      await wakeUps(deps, wakes);
    } catch (err) {
      if (wakes.length === 1 || isUnavailable(err)) throw err;
      const failed: unknown[] = [];
      for (const w of wakes) await wakeUps(deps, [w]).catch((e: unknown) => failed.push(e));
      if (failed.length > 0) throw failed[0];
    }
  });

  // Deliveries run side by side: a receiver that hangs holds up its own delivery, not the others.
  alertWorkerId = await boss.work<DeliveryData>(ALERT_QUEUE, { batchSize: 32, localConcurrency: 2, burstWhenBatchFull: true, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 0.5 }, async (jobs) => {
    await Promise.all(jobs.map((job) => deliver(db, boss, alertSettings, job.data.deliveryId, (at) => alertWaker.at(at))));
  });

  // After a crash, a wake-up may be held by a worker that no longer exists; queue another for every
  // job whose wake-up is overdue (a duplicate is harmless: judging is a compare-and-set).
  const overdue = await overdueWakeups(db, 5000);
  if (overdue.length > 0) await boss.insert(CHECK_QUEUE, overdue.map(wakeJob));

  const generatedAdminToken = await ensureAdminToken(db, options.adminToken ?? process.env.PAKYAS_ADMIN_TOKEN);

  const http = createHttpServer(deps);
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
      waker.stop();
      alertWaker.stop();
      await new Promise<void>((resolve) => { http.close(() => resolve()); http.closeAllConnections(); });
      await boss.stop({ graceful: true, timeout: 5000, close: true });
      if (ownsDb) await db.close();
    })()),
  };
}
