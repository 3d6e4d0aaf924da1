// Wiring only: open the database, migrate, start pg-boss and its workers (ticks, deliveries,
// retention), serve HTTP. What each part does and why lives in its own module.
import type { AddressInfo } from 'node:net';
import { PgBoss, fromPglite } from 'pg-boss';
import type { PGlite } from '@electric-sql/pglite';
import { DEFAULT_ALERT_SETTINGS, Deliverer, type AlertSettings } from './alerts.js';
import { checkChosenToken, ensureAdminToken, resetAdminToken } from './auth.js';
import { defaultDataDir } from './data-dir.js';
import { hasTokensTable } from './db/tokens.js';
import { TickWorker } from './ticks.js';
import { migrate } from './db/migrate.js';
import { openPglite } from './db/pglite.js';
import type { Database } from './db/port.js';
import { checkPooler } from './db/pooler.js';
import { openPostgres } from './db/postgres.js';
import type { ServerDeps } from './deps.js';
import { createDownloads } from './downloads.js';
import { createHttpServer } from './http.js';
import { createWebView } from './web.js';
import { wakeDue, type JudgeDeps } from './judge.js';
import { JobCache } from './job-cache.js';
import { Metrics } from './metrics.js';
import { metricsAccess } from './metrics-access.js';
import { RateLimiter } from './api/rate-limit.js';
import {
  checkRetention, DEFAULT_RETENTION, Pruner, queueNextPass, queuePassNow, RETENTION_QUEUE, RETENTION_QUEUE_OPTIONS, type RetentionSettings,
} from './retention.js';
import { SignalQueue } from './signals.js';
import { trackRequests } from './shutdown.js';

// The operator's settings from the environment, for `pakyas server` (the CLI imports only this
// module of the server's, besides the pure core and the API's type).
export { alertSettingsFromEnv } from './alerts.js';
export { retentionFromEnv } from './retention.js';
export { chooseDataDir, hasEmbeddedDatabase, looksInUse } from './data-dir.js';

export interface ServerOptions {
  port?: number;
  host?: string;
  /** A real Postgres; without it, embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /**
   * A direct connection to the same Postgres as `databaseUrl` (PAKYAS_DATABASE_DIRECT_URL), which
   * then is a pooler in transaction mode: statements there are not prepared, and LISTEN, migrations
   * and the schema's creation use this one (docs/postgres.md).
   */
  databaseDirectUrl?: string;
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
  /** Where the binaries served at /download/ are (default: beside the code; server/downloads.ts). */
  downloadsDir?: string;
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
  if (options.databaseDirectUrl && !options.databaseUrl) {
    throw new Error('a direct database URL (PAKYAS_DATABASE_DIRECT_URL) goes with DATABASE_URL, the pooler in front of the same Postgres; set DATABASE_URL too, or neither');
  }
  let db: Database;
  // The direct connection beside a pooler. Migrations run there: it creates the schema with the
  // search path Pakyas sets itself, which the pooled side is then checked against, and a long
  // migration is not cut by the pooler's own timeouts.
  let session: Database | null = null;
  let boss: PgBoss;
  let ownsDb = true;
  if (options.pglite) {
    db = options.pglite.db;
    ownsDb = false;
    boss = new PgBoss({ db: fromPglite(options.pglite.pglite), backend: 'pglite', schema: options.pglite.bossSchema });
  } else if (options.databaseUrl) {
    const schema = options.schema ? { schema: options.schema } : {};
    session = options.databaseDirectUrl ? openPostgres({ url: options.databaseDirectUrl, ...schema, max: 1 }) : null;
    db = openPostgres({ url: options.databaseUrl, ...schema, ...(session ? { pooled: { session } } : {}) });
    // pg-boss goes through the pooler too: its statements are unnamed, its locks last a
    // transaction, and it listens for nothing (useListenNotify is off), so no session is needed.
    boss = new PgBoss({ connectionString: options.databaseUrl, schema: options.schema ? `${options.schema}_boss` : 'pgboss', max: 8, application_name: 'pakyas' });
  } else {
    const embedded = await openPglite({ dataDir: options.dataDir ?? defaultDataDir() });
    db = embedded.db;
    boss = new PgBoss({ db: fromPglite(embedded.pglite), backend: 'pglite' });
  }
  boss.on('error', (err: Error) => log(`pg-boss: ${err.message}`));

  const migrated = await migrate(session ?? db);
  if (session) {
    const wrong = await checkPooler(db, session, options.schema).catch((err: Error) => err.message);
    if (wrong) {
      await db.close();
      throw new Error(wrong);
    }
  }
  await boss.start();
  await boss.createQueue(RETENTION_QUEUE, RETENTION_QUEUE_OPTIONS);
  const alertSettings: AlertSettings = { ...DEFAULT_ALERT_SETTINGS, ...options.alerts, ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}) };

  const pingRate = options.pingRate ?? Number(process.env.PAKYAS_PING_RATE ?? 200);
  const metrics = new Metrics();
  const ticks = new TickWorker(boss);
  const deliverer = new Deliverer(db, boss, alertSettings, { log, onResult: (status) => metrics.countDelivery(status) });
  const judging: JudgeDeps = { db, boss, waker: ticks.waker, alertWaker: deliverer.waker, metrics, jobs: new JobCache() };
  const deps: ServerDeps = {
    ...judging, metrics, log, startedAt: Date.now(), alertSettings,
    pingLimiter: new RateLimiter(pingRate, pingRate * 2),
    // Embedded, transactions run one at a time on its one connection: one batch in flight collects
    // the most signals. On Postgres, two in flight measured best (bench/ingest.mjs: 1 → 8 signals a
    // batch but idle time between; 4 → batches of 3 and more commits; docs/performance.md).
    signals: new SignalQueue(judging, {
      concurrency: db.kind === 'pglite' ? 1 : 2, maxBatch: 200, onTransaction: () => { metrics.signalTransactions++; },
      onWrite: (how) => { metrics.signalWrites.set(how, (metrics.signalWrites.get(how) ?? 0) + 1); },
    }),
  };

  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;
  await ticks.start(db, (now, limit) => wakeDue(judging, now, limit), { pollingIntervalSeconds, migrated, onLag: (ms) => metrics.countCheck(ms) });
  await deliverer.start(pollingIntervalSeconds);

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
    for (const [table, rows] of Object.entries(pruned)) metrics.countPruned(table, rows);
  });
  await queuePassNow(boss);

  const generatedAdminToken = await ensureAdminToken(db, adminToken);

  const web = createWebView(deps, { publicUrl: options.publicUrl });
  const http = createHttpServer(deps, metricsRules, createDownloads({ dir: options.downloadsDir, publicUrl: options.publicUrl }), web);
  const requests = trackRequests(http);
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
      ticks.stop();
      web.close();
      // Requests under way are answered first, and the signals they carried are stored before the
      // database closes (server/shutdown.ts).
      await requests.close();
      await deps.signals.drain();
      await deliverer.stop();
      await boss.stop({ graceful: true, timeout: 5000, close: true });
      if (ownsDb) await db.close();
    })()),
  };
}

/**
 * `pakyas server token reset`: opens the database the server uses (DATABASE_URL, or the embedded
 * one in `dataDir`, which must not be open elsewhere) and replaces every generated admin token.
 */
export async function resetAdminTokenIn(options: { databaseUrl?: string; schema?: string; dataDir?: string }): Promise<Awaited<ReturnType<typeof resetAdminToken>>> {
  // The CLI passes the direct URL when there is one: a one-off command needs no pooler.
  const db = options.databaseUrl
    ? openPostgres({ url: options.databaseUrl, ...(options.schema ? { schema: options.schema } : {}), max: 1 })
    : (await openPglite({ dataDir: options.dataDir ?? defaultDataDir() })).db;
  try {
    if (!(await hasTokensTable(db))) throw new Error('no Pakyas tables there: start the server on it once first');
    return await resetAdminToken(db);
  } finally {
    await db.close();
  }
}
