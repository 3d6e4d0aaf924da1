// Shared by the benchmarks: a server to measure, the machine's description, and percentiles.
import { randomBytes, randomUUID } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../dist/server/main.js';
import { openPostgres } from '../dist/server/db/postgres.js';
import { createClient } from '../dist/cli/client.js';

export const DATABASE_URL = process.env.PAKYAS_BENCH_DATABASE_URL ?? process.env.PAKYAS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const ADMIN = 'bench-admin-token-0123456789abcdef';

export function machine() {
  let pg = 'unknown';
  try { pg = execFileSync('psql', [DATABASE_URL, '-tAc', 'show server_version'], { encoding: 'utf8' }).trim(); } catch { /* no psql */ }
  return `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Postgres ${pg}`;
}

export async function benchServer(kind, options = {}) {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const server = kind === 'postgres'
    ? await startServer({ port: 0, databaseUrl: DATABASE_URL, schema, adminToken: ADMIN, log: () => {}, ...options })
    : await startServer({ port: 0, dataDir: 'memory://', adminToken: ADMIN, log: () => {}, ...options });
  return {
    server, schema,
    client: createClient({ server: server.url, token: ADMIN }),
    async close() {
      await server.close();
      if (kind === 'postgres') {
        const db = openPostgres({ url: DATABASE_URL });
        await db.query(`drop schema if exists "${schema}" cascade`);
        await db.query(`drop schema if exists "${schema}_boss" cascade`);
        await db.close();
      }
    },
  };
}

export function jobSpec(name, o = {}) {
  return { name, description: null, schedule: { kind: 'every', everySeconds: 3600 }, timezone: 'UTC', graceSeconds: 300, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1, ...o };
}

export const source = { commit: null, ref: null, author: null, source: 'bench' };

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export const fmt = (n, digits = 1) => Number(n).toFixed(digits);

/** A process's command name and its /proc stat fields after it, or null when it is gone. */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return null;
  }
}

// Clock ticks of 1/100 s: fields 11 and 12 are the process's user and system time, 13 and 14 those
// of the children it has reaped.
const seconds = (fields, ...at) => at.reduce((n, i) => n + Number(fields[i]), 0) / 100;

/** CPU seconds used so far by this machine's Postgres, its exited backends included. */
export function postgresCpuSeconds() {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const p = procStat(pid);
    // Its own time, plus that of children it has reaped: the postmaster collects the time of
    // every backend that exits (pgbench's connections close before the run is measured).
    if (p?.comm === 'postgres') total += seconds(p.fields, 11, 12, 13, 14);
  }
  return total;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid) {
  return seconds(procStat(pid).fields, 11, 12);
}

/** A process's user and system CPU seconds so far, apart: system time is mostly socket I/O here. */
export function cpuSplit(pid) {
  const { fields } = procStat(pid);
  return { user: seconds(fields, 11), system: seconds(fields, 12) };
}

/** `pakyas server` as its own process, so that the load generator does not share its event loop. */
export async function spawnServer(kind, { schema = `bench_${randomBytes(4).toString('hex')}`, env: extra = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pakyas-bench-'));
  // The benchmarks' webhook receivers listen on this machine, an address alerts may not reach unless allowed.
  const env = { ...process.env, PAKYAS_ADMIN_TOKEN: ADMIN, PAKYAS_PING_RATE: '0', PAKYAS_ALERT_ALLOW_PRIVATE: 'true', ...(kind === 'postgres' ? { DATABASE_URL, PAKYAS_DB_SCHEMA: schema } : { DATABASE_URL: '' }), ...extra };
  // PAKYAS_BENCH_PROFILE=DIR writes the server's CPU profile there when it stops (see docs/performance.md).
  const profile = process.env.PAKYAS_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PAKYAS_BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...profile, fileURLToPath(new URL('../bin/pakyas.js', import.meta.url)), 'server', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const on = (d) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]); };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
  return {
    url, child, schema,
    /** Stops the server; `keep` leaves its schema for another server still using it. */
    async stop({ keep = false } = {}) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
      if (kind === 'postgres' && !keep) {
        const db = openPostgres({ url: DATABASE_URL });
        await db.query(`drop schema if exists "${schema}" cascade`);
        await db.query(`drop schema if exists "${schema}_boss" cascade`);
        await db.close();
      }
    },
  };
}

/**
 * One keep-alive HTTP/1.1 connection written by hand: a request at a time, its answer read by
 * content-length. Node's http client costs about 100 µs of CPU a request here, more than the
 * server's whole budget; pgbench's C client spends about 60 µs a transaction. A lean client keeps
 * the load generator from taking the cores the server and Postgres are measured on.
 */
function connection(url) {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  let waiting = null;
  socket.on('data', (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    const end = buffered.indexOf('\r\n\r\n');
    if (end < 0 || !waiting) return;
    const head = buffered.toString('latin1', 0, end);
    const declared = /content-length: *(\d+)/i.exec(head);
    // Without a length the answer is chunked; the bench's answers are short, so the end is the last chunk.
    const last = declared ? end + 4 + Number(declared[1]) : buffered.indexOf('0\r\n\r\n', end + 4) + 5;
    if (last < end + 4 || buffered.length < last) return;
    buffered = buffered.subarray(last);
    const w = waiting;
    waiting = null;
    w.resolve(Number(head.slice(9, 12)));
  });
  socket.on('error', (err) => { waiting?.reject(err); waiting = null; });
  socket.on('close', () => { waiting?.reject(new Error('closed')); waiting = null; });
  return {
    post: (path) => new Promise((resolve, reject) => {
      waiting = { resolve, reject };
      socket.write(`POST ${path} HTTP/1.1\r\nhost: bench\r\ncontent-length: 0\r\n\r\n`);
    }),
    close: () => socket.destroy(),
  };
}

/**
 * Sends signals from `clients` loops for `seconds`, to random jobs job-0 … job-(jobs−1): a start,
 * then its run's finish (a fifth of them failures), or a success on its own; with `rate`, paces the
 * total to that many a second. The clients are spread over `urls` (one URL or several servers).
 */
export async function signalLoad({ urls, pingKey, jobs, clients, seconds, rate = null }) {
  const latencies = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const open = new Map();
  const client = async (c) => {
    // With several servers (PAKYAS_BENCH_SERVERS), the clients are spread over them.
    const conn = connection([urls].flat()[c % [urls].flat().length]);
    let next = performance.now();
    try {
      while (Date.now() < end) {
        const job = `job-${Math.floor(Math.random() * jobs)}`;
        const rid = open.get(job);
        let path;
        if (rid) { open.delete(job); path = Math.random() < 0.2 ? `/ping/${pingKey}/${job}/1?rid=${rid}` : `/ping/${pingKey}/${job}/0?rid=${rid}`; }
        else if (Math.random() < 0.5) { const r = randomUUID(); open.set(job, r); path = `/ping/${pingKey}/${job}/start?rid=${r}`; }
        else path = `/ping/${pingKey}/${job}`;
        const t = performance.now();
        const status = await conn.post(path).catch(() => 0);
        if (status === 200) latencies.push(performance.now() - t); else errors++;
        if (status === 0) return;
        if (rate) {
          next += (1000 * clients) / rate;
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
      }
    } finally {
      conn.close();
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  const elapsed = (performance.now() - t0) / 1000;
  return { perSecond: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, sent: latencies.length };
}
