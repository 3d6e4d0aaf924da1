// Signal ingest through PgBouncer in transaction mode against a direct connection, in the same run
// (docs/postgres.md). Three `pakyas server` processes, taking turns under the same load as
// bench/ingest.mjs (many clients, many jobs, a mix of start/success/fail):
//   direct       DATABASE_URL is Postgres itself (statements prepared once per connection);
//   unprepared   the same, in pooler mode (PAKYAS_DATABASE_DIRECT_URL set): no statement prepared,
//                so each is described first, a second round trip; the pooler's price without it;
//   pgbouncer    DATABASE_URL through a PgBouncer of the benchmark's own (pool_mode = transaction,
//                default_pool_size PAKYAS_BENCH_POOL_SIZE, PgBouncer's default 20).
// Reports signals/s and the ratio to direct, latency, and CPU per signal: the server's, Postgres's
// (the whole machine's Postgres, so other load on it counts too) and PgBouncer's. Needs pgbouncer
// (Debian: apt-get install pgbouncer).
import { randomBytes } from 'node:crypto';
import { createClient } from '../dist/cli/client.js';
import { findPgbouncer, startPgbouncer } from '../test/helpers/pgbouncer.mjs';
import { ADMIN, cpuSeconds, DATABASE_URL, fmt, jobSpec, machine, percentile, postgresCpuSeconds, signalLoad, source, spawnServer } from './lib.mjs';

const JOBS = Number(process.env.PAKYAS_BENCH_JOBS ?? 1000);
const CLIENTS = Number(process.env.PAKYAS_BENCH_CLIENTS ?? 16);
const SECONDS = Number(process.env.PAKYAS_BENCH_SECONDS ?? 10);
const POOL_SIZE = Number(process.env.PAKYAS_BENCH_POOL_SIZE ?? 20);
const ROUNDS = Number(process.env.PAKYAS_BENCH_ROUNDS ?? 3);

if (!findPgbouncer()) {
  console.log('pooler benchmark: skipped, pgbouncer is not installed (apt-get install pgbouncer)');
  process.exit(0);
}
console.log(`pooler benchmark: ${JOBS} jobs, ${CLIENTS} clients, ${ROUNDS} rounds of ${SECONDS} s per server, PgBouncer default_pool_size ${POOL_SIZE}; ${machine()}`);

/** DATABASE_URL with the schema as a startup option: Postgres itself takes it, a pooler would not. */
function withSearchPath(url, schema) {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

const configs = {
  direct: async () => ({ env: {} }),
  unprepared: async (schema) => ({ env: { DATABASE_URL: withSearchPath(DATABASE_URL, schema), PAKYAS_DATABASE_DIRECT_URL: DATABASE_URL } }),
  pgbouncer: async (schema) => {
    const pgbouncer = await startPgbouncer({ target: DATABASE_URL, poolSize: POOL_SIZE, databases: { pakyas: `connect_query='SET search_path = ${schema}'` } });
    return { env: { DATABASE_URL: pgbouncer.url('pakyas'), PAKYAS_DATABASE_DIRECT_URL: DATABASE_URL }, pgbouncer };
  },
};

// All three run at once and take turns under load, round after round, so that a machine that
// gets busier or quieter during the run weighs on each alike; each figure is the median of rounds.
const servers = {};
try {
  for (const [name, setUp] of Object.entries(configs)) {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const { env, pgbouncer } = await setUp(schema);
    const s = await spawnServer('postgres', { schema, env });
    servers[name] = { s, pgbouncer, runs: [] };
    const client = createClient({ server: s.url, token: ADMIN });
    const jobs = Array.from({ length: JOBS }, (_, i) => jobSpec(`job-${i}`));
    servers[name].pingKey = (await client.projects.applyConfig.mutate({ config: { project: 'pooler', jobs, channels: [], routes: [] }, source, expectedRevision: null })).pingKey;
    await signalLoad({ urls: s.url, pingKey: servers[name].pingKey, jobs: JOBS, clients: CLIENTS, seconds: Math.min(SECONDS, 3) }); // warm up
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const { s, pgbouncer, pingKey, runs } of Object.values(servers)) {
      const cpu = cpuSeconds(s.child.pid);
      const pgCpu = postgresCpuSeconds();
      const bouncerCpu = pgbouncer ? cpuSeconds(pgbouncer.pid) : 0;
      const r = await signalLoad({ urls: s.url, pingKey, jobs: JOBS, clients: CLIENTS, seconds: SECONDS });
      const per = (seconds) => (seconds / r.sent) * 1e6;
      r.serverMicros = per(cpuSeconds(s.child.pid) - cpu);
      r.postgresMicros = per(postgresCpuSeconds() - pgCpu);
      r.pgbouncerMicros = pgbouncer ? per(cpuSeconds(pgbouncer.pid) - bouncerCpu) : null;
      runs.push(r);
    }
  }
} finally {
  for (const { s, pgbouncer } of Object.values(servers)) {
    await s.stop();
    await pgbouncer?.stop();
  }
}

const median = (runs, key) => percentile(runs.map((r) => r[key]), 50);
for (const [name, { runs }] of Object.entries(servers)) {
  const errors = runs.reduce((n, r) => n + r.errors, 0);
  const bouncer = runs[0].pgbouncerMicros === null ? '' : `, PgBouncer ${fmt(median(runs, 'pgbouncerMicros'), 0)} µs`;
  console.log(`${name}: ${fmt(median(runs, 'perSecond'), 0)} signals/s (rounds: ${runs.map((r) => fmt(r.perSecond, 0)).join(', ')}; p50 ${fmt(median(runs, 'p50'))} ms, `
    + `p99 ${fmt(median(runs, 'p99'))} ms, ${errors} errors); CPU per signal: server ${fmt(median(runs, 'serverMicros'), 0)} µs, Postgres ${fmt(median(runs, 'postgresMicros'), 0)} µs${bouncer}`);
}
const { direct, unprepared, pgbouncer } = Object.fromEntries(Object.entries(servers).map(([k, v]) => [k, v.runs]));
// Ratios within each round (the three ran minutes apart at most), then their median.
const ratio = (runs, key) => fmt(percentile(runs.map((r, i) => r[key] / direct[i][key]), 50), 2);
console.log(`ratio pgbouncer/direct: ${ratio(pgbouncer, 'perSecond')} signals/s, server CPU per signal ×${ratio(pgbouncer, 'serverMicros')}; `
  + `unprepared/direct: ${ratio(unprepared, 'perSecond')} signals/s, server CPU ×${ratio(unprepared, 'serverMicros')}`);
