// `npm run bench`: every benchmark in turn, each in its own process (each also runs alone). The
// missing-detection runs take most of the time (about 30 minutes of the whole).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
// A script, its arguments, and optionally environment settings for that run.
const runs = [
  ['apply.mjs', 'postgres'],
  ['apply.mjs', 'pglite'],
  ['monitor.mjs'],
  ['binary.mjs'],
  ['pooler.mjs'],
  ['ingest.mjs', 'postgres', 'pglite'],
  ['ingest.mjs', 'postgres', { PAKYAS_BENCH_WEB_OPEN: '1', PAKYAS_BENCH_PACED_RUNS: '1' }],
  ['missing.mjs', 'postgres', { PAKYAS_BENCH_MISSING_JOBS: '100000', PAKYAS_BENCH_MISSING_RUNS: '5' }],
  ['missing.mjs', 'postgres', { PAKYAS_BENCH_MISSING_JOBS: '10000', PAKYAS_BENCH_MISSING_RUNS: '5', PAKYAS_BENCH_MISSING_SERVERS: '2' }],
  ['dashboard.mjs'],
  ['web.mjs'],
];
for (const [script, ...rest] of runs) {
  const env = typeof rest.at(-1) === 'object' ? rest.pop() : {};
  console.log(`\n== ${script} ${[...rest, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ')}`);
  const r = spawnSync(process.execPath, [`${dir}${script}`, ...rest], { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exitCode = 1;
}
