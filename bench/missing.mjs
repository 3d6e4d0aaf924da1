// Missing detection at scale: many active jobs whose first deadlines are spread over two minutes,
// none of which report; a webhook receiver records when each missing alert arrives.
// Target: p99 from deadline to webhook received ≤ 1 s in every run; no deadline missed, none
// alerted twice.
// PAKYAS_BENCH_MISSING_JOBS sets the number of jobs (default 10,000; 100,000 for the full run),
// PAKYAS_BENCH_MISSING_RUNS how many runs (default 1), PAKYAS_BENCH_MISSING_SERVERS how many
// `pakyas server` processes share the one Postgres (default 1; the jobs are applied through the
// first, and every server judges deadlines and sends alerts).
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { createClient } from '../dist/cli/client.js';
import { ADMIN, cpuSeconds, fmt, machine, percentile, postgresCpuSeconds, source, spawnServer } from './lib.mjs';

const N = Number(process.env.PAKYAS_BENCH_MISSING_JOBS ?? 10_000);
const RUNS = Number(process.env.PAKYAS_BENCH_MISSING_RUNS ?? 1);
const SERVERS = Number(process.env.PAKYAS_BENCH_MISSING_SERVERS ?? 1);
const kind = process.argv[2] ?? 'postgres';
console.log(`missing-detection benchmark on ${kind}: ${N} jobs, deadlines over 2 minutes, ${SERVERS} server process(es), ${RUNS} run(s); ${machine()}`);

async function run() {
  const received = new Map();
  let duplicates = 0;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const at = Date.now();
      try {
        const a = JSON.parse(body);
        const key = `${a.project}/${a.job}`;
        if (a.transition === 'missing') {
          if (received.has(key)) duplicates++;
          else received.set(key, at - Date.parse(a.evidence.deadline)); // ISO-8601 in the payload
        }
      } catch { /* ignore */ }
      res.end('ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const hook = `http://127.0.0.1:${receiver.address().port}/hook`;

  const first = await spawnServer(kind);
  const servers = [first];
  for (let i = 1; i < SERVERS; i++) servers.push(await spawnServer(kind, { schema: first.schema }));
  const client = createClient({ server: first.url, token: ADMIN });
  const rssSamples = [];
  let cpu0 = null;
  let cpu1 = null;
  try {
    const t0 = performance.now();
    for (let p = 0; p * 10_000 < N; p++) {
      const count = Math.min(10_000, N - p * 10_000);
      const jobs = Array.from({ length: count }, (_, i) => ({
        name: `job-${i}`, description: null, schedule: { kind: 'every', everySeconds: 30 + ((p * 10_000 + i) % 90) }, timezone: 'UTC',
        graceSeconds: 1, maxDurationSeconds: 3600, tags: [], paused: false, alertAfter: 1,
      }));
      await client.projects.applyConfig.mutate({
        config: { project: `missing-${p}`, jobs, channels: [{ name: 'hook', type: 'webhook', settings: { url: hook } }], routes: [{ match: { job: '*' }, notify: ['hook'], on: ['missing'] }] },
        source, expectedRevision: null,
      });
    }
    console.log(`applied ${N} jobs in ${fmt((performance.now() - t0) / 1000, 1)} s`);
    cpu0 = { servers: servers.reduce((a, s) => a + cpuSeconds(s.child.pid), 0), pg: postgresCpuSeconds(), at: Date.now() };
    const end = Date.now() + 150_000;
    while (received.size < N && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 1000));
      rssSamples.push(Math.max(...servers.map((s) => Number(execFileSync('ps', ['-o', 'rss=', '-p', String(s.child.pid)], { encoding: 'utf8' }).trim()) / 1024)));
    }
    cpu1 = { servers: servers.reduce((a, s) => a + cpuSeconds(s.child.pid), 0), pg: postgresCpuSeconds(), at: Date.now() };
  } finally {
    for (const s of servers.slice(1)) await s.stop({ keep: true });
    await first.stop();
    receiver.close();
  }
  const lags = [...received.values()];
  const result = { received: received.size, duplicates, p50: percentile(lags, 50), p99: percentile(lags, 99), max: Math.max(...lags), rss: Math.max(...rssSamples) };
  console.log(`missing alerts received: ${result.received} of ${N}; alerted twice: ${duplicates}; deadline → webhook: p50 ${fmt(result.p50, 0)} ms, `
    + `p99 ${fmt(result.p99, 0)} ms, max ${fmt(result.max, 0)} ms (target p99 ≤ 1000 ms → ratio ${fmt(result.p99 / 1000, 2)}); server RSS max ${fmt(result.rss, 0)} MiB`);
  // Every job is judged at its deadline and alerted once, and judged again each period after:
  // CPU per alert is what judging and delivering one missed deadline costs (docs/scaling.md).
  if (cpu0 && cpu1) {
    const seconds = (cpu1.at - cpu0.at) / 1000;
    console.log(`while waiting (${fmt(seconds, 0)} s): servers ${fmt((cpu1.servers - cpu0.servers) / seconds, 2)} cores, Postgres ${fmt((cpu1.pg - cpu0.pg) / seconds, 2)} cores; `
      + `per alert delivered: servers ${fmt(((cpu1.servers - cpu0.servers) / Math.max(1, result.received)) * 1e6, 0)} µs, Postgres ${fmt(((cpu1.pg - cpu0.pg) / Math.max(1, result.received)) * 1e6, 0)} µs`);
  }
  return result;
}

const results = [];
for (let i = 0; i < RUNS; i++) {
  results.push(await run());
  // A run that alerts nothing measures nothing: say so and stop, rather than print ratios of nothing.
  if (results.at(-1).received === 0) { console.log('no missing alert arrived: the server could not reach the receiver (its log says why)'); process.exit(1); }
}
const met = results.filter((r) => r.received === N && r.duplicates === 0 && r.p99 <= 1000).length;
console.log(`${N} jobs, ${SERVERS} server(s): ${met} of ${RUNS} run(s) met the target (all alerted, none twice, p99 ≤ 1 s); p99 ${results.map((r) => fmt(r.p99, 0)).join(', ')} ms`);
