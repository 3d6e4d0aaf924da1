// Missing detection at scale: many active jobs whose first deadlines are spread over two minutes,
// none of which report; a webhook receiver records when each missing alert arrives.
// Target: p99 from deadline to webhook received ≤ 1 s; no deadline missed, none alerted twice.
// PAKYAS_BENCH_MISSING_JOBS sets the number of jobs (default 10,000; 100,000 for the full run).
import { createServer } from 'node:http';
import { createClient } from '../dist/cli/client.js';
import { ADMIN, fmt, machine, percentile, source, spawnServer } from './lib.mjs';

const N = Number(process.env.PAKYAS_BENCH_MISSING_JOBS ?? 10_000);
const kind = process.argv[2] ?? 'postgres';
console.log(`missing-detection benchmark on ${kind}: ${N} jobs, deadlines over 2 minutes; ${machine()}`);

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
        else received.set(key, at - a.evidence.deadline);
      }
    } catch { /* ignore */ }
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${receiver.address().port}/hook`;

const s = await spawnServer(kind);
const client = createClient({ server: s.url, token: ADMIN });
const rssSamples = [];
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
  const end = Date.now() + 150_000;
  while (received.size < N && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    rssSamples.push(Number((await import('node:child_process')).execFileSync('ps', ['-o', 'rss=', '-p', String(s.child.pid)], { encoding: 'utf8' }).trim()) / 1024);
  }
  const lags = [...received.values()];
  console.log(`missing alerts received: ${received.size} of ${N}; alerted twice: ${duplicates}`);
  console.log(`deadline → webhook: p50 ${fmt(percentile(lags, 50), 0)} ms, p99 ${fmt(percentile(lags, 99), 0)} ms, max ${fmt(Math.max(...lags), 0)} ms (target p99 ≤ 1000 ms → ratio ${fmt(percentile(lags, 99) / 1000, 2)})`);
  console.log(`server RSS: max ${fmt(Math.max(...rssSamples), 0)} MiB with ${N} jobs`);
} finally {
  await s.stop();
  receiver.close();
}
