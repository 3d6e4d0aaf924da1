// Signal ingest over HTTP: many clients, many jobs, a mix of start/success/fail, against a
// `pakyas server` process. Baseline in the same run: pgbench running the same per-signal
// transaction shape (lock the job row, insert the signal, update the job) with the same clients.
// Targets (Postgres): ≥ 0.8 × baseline signals/s; server CPU ≤ 100 µs per signal; p99 ≤ 20 ms at
// 1,000 signals/s in every one of PAKYAS_BENCH_PACED_RUNS (10) consecutive runs.
// `node bench/ingest.mjs pglite` runs the same load on the embedded database and reports the
// ratio to Postgres. PAKYAS_BENCH_SERVERS=2 spreads the clients over two `pakyas server` processes
// on the one Postgres (docs/scaling.md); PAKYAS_BENCH_WEB_OPEN=1 measures with the web view open;
// PAKYAS_BENCH_PROFILE=DIR writes the server's CPU profile (bench/profile-summary.mjs reads it).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../dist/cli/client.js';
import { ADMIN, cpuSplit, DATABASE_URL, postgresCpuSeconds, fmt, jobSpec, machine, signalLoad, source, spawnServer } from './lib.mjs';

const JOBS = Number(process.env.PAKYAS_BENCH_JOBS ?? 1000);
const CLIENTS = Number(process.env.PAKYAS_BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.PAKYAS_BENCH_SECONDS ?? 10);
const kinds = process.argv.slice(2).length ? process.argv.slice(2) : ['postgres'];

console.log(`ingest benchmark: ${JOBS} jobs, ${CLIENTS} clients, ${SECONDS} s per run; ${machine()}`);

/** Bytes written to this Postgres's WAL so far (the machine's, not just this schema's). */
function walBytes() {
  return Number(execFileSync('psql', [DATABASE_URL, '-tAc', "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"], { encoding: 'utf8' }).trim());
}

function pgbench() {
  const pgCpu = postgresCpuSeconds();
  const schema = `bench_pgb_${randomBytes(4).toString('hex')}`;
  const psql = (sql) => execFileSync('psql', [DATABASE_URL, '-qtAc', sql], { encoding: 'utf8' });
  psql(`create schema ${schema};
    create table ${schema}.jobs (id bigint primary key, state jsonb not null, status text not null, updated_at timestamptz);
    create table ${schema}.signals (id bigint generated always as identity primary key, job_id bigint not null, kind text, received_at timestamptz, body text);
    insert into ${schema}.jobs select g, '{"status":"pending"}', 'pending', now() from generate_series(1, ${JOBS}) g;`);
  const script = join(mkdtempSync(join(tmpdir(), 'pgbench-')), 'signal.sql');
  writeFileSync(script, `\\set id random(1, ${JOBS})
BEGIN;
SELECT state FROM ${schema}.jobs WHERE id = :id FOR UPDATE;
INSERT INTO ${schema}.signals (job_id, kind, received_at, body) VALUES (:id, 'success', now(), NULL);
UPDATE ${schema}.jobs SET state = '{"status":"on_schedule"}', status = 'on_schedule', updated_at = now() WHERE id = :id;
COMMIT;
`);
  const wal0 = walBytes();
  const out = execFileSync('pgbench', ['-n', '-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-f', script, DATABASE_URL], { encoding: 'utf8' });
  const pgSeconds = postgresCpuSeconds() - pgCpu;
  const wal = walBytes() - wal0;
  psql(`drop schema ${schema} cascade`);
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
  return { tps, latency, pgMicros: (pgSeconds / transactions) * 1e6, walBytes: wal / transactions };
}

const PACED_RUNS = Number(process.env.PAKYAS_BENCH_PACED_RUNS ?? 10);
const WEB_OPEN = process.env.PAKYAS_BENCH_WEB_OPEN === '1';
const SERVERS = Number(process.env.PAKYAS_BENCH_SERVERS ?? 1);

/**
 * PAKYAS_BENCH_WEB_OPEN=1: ingest at full load with no web view, then with the web view open in
 * Debian's chromium listing 5,000 jobs (these 1,000 and 4,000 of another project), alternating,
 * twice each: what the web view's reads and subscription cost ingest. The browser shares the cores.
 */
async function withWebView(s, pingKey) {
  const puppeteer = createRequire(import.meta.url)('puppeteer-core');
  const client = createClient({ server: s.url, token: ADMIN });
  await client.projects.applyConfig.mutate({ config: { project: 'listed', jobs: Array.from({ length: 4000 }, (_, i) => jobSpec(`other-${i}`)), channels: [], routes: [] }, source, expectedRevision: null });
  const browser = await puppeteer.launch({ executablePath: process.env.PAKYAS_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const closed = [];
    const open = [];
    for (let i = 0; i < 2; i++) {
      closed.push(await signalLoad({ urls: s.url, pingKey, jobs: JOBS, clients: CLIENTS, seconds: SECONDS }));
      const page = await browser.newPage();
      await page.goto(s.url);
      // The first page signs in; the session cookie lets the next one in directly.
      await page.waitForSelector('input[type=password], table.jobs');
      if (await page.$('input[type=password]')) {
        await page.type('input[type=password]', ADMIN);
        await page.keyboard.press('Enter');
      }
      await page.waitForFunction(() => document.querySelectorAll('table.jobs tbody tr').length === 5000, { timeout: 60_000 });
      open.push(await signalLoad({ urls: s.url, pingKey, jobs: JOBS, clients: CLIENTS, seconds: SECONDS }));
      await page.close();
    }
    const mean = (xs) => xs.reduce((a, r) => a + r.perSecond, 0) / xs.length;
    console.log(`with the web view open (5,000 jobs listed, live): ${open.map((r) => fmt(r.perSecond, 0)).join(', ')} signals/s (p99 ${open.map((r) => fmt(r.p99)).join(', ')} ms) `
      + `against ${closed.map((r) => fmt(r.perSecond, 0)).join(', ')} without it (p99 ${closed.map((r) => fmt(r.p99)).join(', ')} ms): ratio ${fmt(mean(open) / mean(closed), 2)} (target: no measurable cost)`);
  } finally {
    await browser.close();
  }
}
const results = {};
for (const kind of kinds) {
  const s = await spawnServer(kind);
  const servers = [s];
  for (let i = 1; i < (kind === 'postgres' ? SERVERS : 1); i++) servers.push(await spawnServer(kind, { schema: s.schema }));
  const urls = servers.map((x) => x.url);
  try {
    const client = createClient({ server: s.url, token: ADMIN });
    const jobs = Array.from({ length: JOBS }, (_, i) => jobSpec(`job-${i}`));
    const applied = await client.projects.applyConfig.mutate({ config: { project: 'ingest', jobs, channels: [], routes: [] }, source, expectedRevision: null });
    await signalLoad({ urls, pingKey: applied.pingKey, jobs: JOBS, clients: CLIENTS, seconds: SECONDS }).catch(() => null); // warm up
    if (WEB_OPEN && kind === 'postgres') await withWebView(s, applied.pingKey);
    const split = () => servers.map((x) => cpuSplit(x.child.pid)).reduce((a, b) => ({ user: a.user + b.user, system: a.system + b.system }));
    const cpu = split();
    const wal0 = kind === 'postgres' ? walBytes() : 0;
    const pgCpu = postgresCpuSeconds();
    const own = process.cpuUsage();
    const max = await signalLoad({ urls, pingKey: applied.pingKey, jobs: JOBS, clients: CLIENTS, seconds: SECONDS });
    const ownCpu = process.cpuUsage(own);
    const after = split();
    const maxPgCpu = postgresCpuSeconds() - pgCpu;
    const wal = kind === 'postgres' ? walBytes() - wal0 : 0;
    const perSignal = (seconds) => (seconds / max.sent) * 1e6;
    const serverMicros = perSignal(after.user - cpu.user + after.system - cpu.system);
    const paced = [];
    for (let i = 0; i < (kind === 'postgres' ? PACED_RUNS : 1); i++) paced.push(await signalLoad({ urls, pingKey: applied.pingKey, jobs: JOBS, clients: CLIENTS, seconds: SECONDS, rate: 1000 }));
    results[kind] = { max, paced, serverMicros };
    console.log(`${kind}${servers.length > 1 ? `, ${servers.length} server processes` : ''}: ${fmt(max.perSecond, 0)} signals/s at full load (p50 ${fmt(max.p50)} ms, p99 ${fmt(max.p99)} ms, ${max.errors} errors)`);
    // CPU per signal varies less than signals/s on a shared machine: it compares code, not load.
    console.log(`${kind} server CPU per signal at full load: ${fmt(serverMicros, 0)} µs (user ${fmt(perSignal(after.user - cpu.user), 0)}, system ${fmt(perSignal(after.system - cpu.system), 0)}; target ≤ 100 µs → ratio ${fmt(serverMicros / 100, 2)})`
      + (kind === 'postgres' ? `; Postgres CPU per signal: ${fmt(perSignal(maxPgCpu), 0)} µs` : '')
      + `; the load generator's: ${fmt(perSignal((ownCpu.user + ownCpu.system) / 1e6), 0)} µs`);
    // For sizing (docs/scaling.md): what a signal writes to the WAL and keeps on disk.
    if (kind === 'postgres') {
      const size = (table) => Number(execFileSync('psql', [DATABASE_URL, '-tAc', `select pg_total_relation_size('"${s.schema}".${table}') / greatest(1, (select count(*) from "${s.schema}".${table}))`], { encoding: 'utf8' }).trim());
      console.log(`postgres WAL per signal at full load: ${fmt(wal / max.sent, 0)} bytes; on disk per row with indexes: signals ${size('signals')} bytes, timeline ${size('timeline')} bytes, jobs ${size('jobs')} bytes`);
    }
    const met = paced.filter((r) => r.p99 <= 20 && r.perSecond >= 950 && r.errors === 0).length;
    console.log(`${kind} paced at 1,000/s, ${paced.length} run(s) of ${SECONDS} s: p99 ${paced.map((r) => fmt(r.p99)).join(', ')} ms; achieved ${paced.map((r) => fmt(r.perSecond, 0)).join(', ')}/s; `
      + `${met} of ${paced.length} runs met p99 ≤ 20 ms (target: every run)`);
  } finally {
    for (const x of servers.slice(1)) await x.stop({ keep: true });
    await s.stop();
  }
}
if (results.postgres) {
  const base = pgbench();
  console.log(`baseline pgbench, same transaction shape, ${CLIENTS} clients: ${fmt(base.tps, 0)} tps (latency avg ${fmt(base.latency, 2)} ms; Postgres CPU per transaction ${fmt(base.pgMicros, 0)} µs, WAL ${fmt(base.walBytes, 0)} bytes)`);
  console.log(`ratio pakyas/pgbench: ${fmt(results.postgres.max.perSecond / base.tps, 2)} (target ≥ 0.8)`);
}
if (results.postgres && results.pglite) {
  console.log(`ratio pglite/postgres: ${fmt(results.pglite.max.perSecond / results.postgres.max.perSecond, 2)}`);
}
