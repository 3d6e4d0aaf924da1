// `pakyas apply` of many jobs into an empty project, then a re-apply with one change.
// Target: 10,000 jobs in ≤ 10 s, the re-apply in ≤ 2 s. Also reports 1k and 100k-job totals (in
// projects of 10,000, the per-project limit) to show how it grows.
import { benchServer, fmt, jobSpec, machine, source } from './lib.mjs';

const kind = process.argv[2] ?? 'postgres';
const sizes = (process.env.PAKYAS_BENCH_APPLY_SIZES ?? '1000,10000').split(',').map(Number);
console.log(`apply benchmark on ${kind}: ${machine()}`);
const b = await benchServer(kind);
try {
  for (const n of sizes) {
    const projects = Math.ceil(n / 10_000);
    let first = 0;
    let again = 0;
    for (let p = 0; p < projects; p++) {
      const count = Math.min(10_000, n - p * 10_000);
      const jobs = Array.from({ length: count }, (_, i) => jobSpec(`job-${i}`));
      const config = { project: `apply-${n}-${p}`, jobs, channels: [], routes: [] };
      let t = performance.now();
      await b.client.projects.applyConfig.mutate({ config, source, expectedRevision: null });
      first += performance.now() - t;
      jobs[0] = { ...jobs[0], graceSeconds: 600 };
      t = performance.now();
      const r = await b.client.projects.applyConfig.mutate({ config, source, expectedRevision: null });
      again += performance.now() - t;
      if (r.changes.length !== 1) throw new Error(`expected one change, got ${r.changes.length}`);
    }
    const target = n === 10_000 ? ` (targets: ≤ 10 s → ratio ${fmt(first / 10_000, 2)}; re-apply ≤ 2 s → ratio ${fmt(again / projects / 2000, 2)})` : '';
    console.log(`apply ${n} jobs: ${fmt(first / 1000, 2)} s; re-apply with one change: ${fmt(again / projects / 1000, 2)} s per project${target}`);
  }
  console.log(`server RSS after: ${fmt(process.memoryUsage().rss / 2 ** 20, 0)} MiB (server and client in one process)`);
} finally {
  await b.close();
}
