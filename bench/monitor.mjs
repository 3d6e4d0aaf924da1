// `pakyas monitor job -- true` end to end against a running server, against a bare node script
// that makes the same two HTTP requests (start, then finish). Target: ≤ 1.5 × baseline wall time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../dist/cli/client.js';
import { ADMIN, fmt, jobSpec, machine, percentile, source, spawnServer } from './lib.mjs';

const RUNS = Number(process.env.PAKYAS_BENCH_RUNS ?? 30);
console.log(`monitor start-up benchmark, ${RUNS} runs each, interleaved; ${machine()}`);
const b = await spawnServer('pglite');
const client = createClient({ server: b.url, token: ADMIN });
try {
  const r = await client.projects.applyConfig.mutate({ config: { project: 'startup', jobs: [jobSpec('job')], channels: [], routes: [] }, source, expectedRevision: null });
  const dir = mkdtempSync(join(tmpdir(), 'pakyas-bench-'));
  const bare = join(dir, 'bare.mjs');
  writeFileSync(bare, `import { request } from 'node:http';
const post = (path) => new Promise((res) => { const q = request(process.env.URL + path, { method: 'POST' }, (r) => { r.resume(); r.on('end', res); }); q.end(); });
const rid = crypto.randomUUID();
await post('/start?rid=' + rid);
const c = (await import('node:child_process')).spawnSync('true');
await post('/' + c.status + '?rid=' + rid);
`);
  const env = { ...process.env, PAKYAS_SERVER: b.url, PAKYAS_PING_KEY: r.pingKey, PAKYAS_SPOOL_DIR: join(dir, 'spool'), URL: `${b.url}/ping/${r.pingKey}/job` };
  const time = (args) => { const t = performance.now(); spawnSync(process.execPath, args, { env, stdio: 'ignore' }); return performance.now() - t; };
  const wrapper = [];
  const baseline = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(time([bare]));
    wrapper.push(time(['bin/pakyas.js', 'monitor', 'job', '-q', '--', 'true']));
  }
  const m = percentile(wrapper, 50);
  const base = percentile(baseline, 50);
  console.log(`pakyas monitor job -- true: median ${fmt(m, 0)} ms (p90 ${fmt(percentile(wrapper, 90), 0)} ms)`);
  console.log(`bare node script, same two requests: median ${fmt(base, 0)} ms (p90 ${fmt(percentile(baseline, 90), 0)} ms)`);
  console.log(`ratio: ${fmt(m / base, 2)} (target ≤ 1.5)`);
} finally {
  await b.stop();
}
