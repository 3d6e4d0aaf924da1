// The dashboard with 5,000 jobs while 200 signals a second arrive: how much CPU its process uses
// and how fast it answers a key. Targets: input handled within 100 ms; below one core.
// Runs the real dashboard in tmux (a real terminal) against a `pakyas server` process.
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createClient } from '../dist/cli/client.js';
import { ADMIN, cpuSeconds, fmt, jobSpec, machine, percentile, source, spawnServer } from './lib.mjs';

const JOBS = Number(process.env.PAKYAS_BENCH_DASHBOARD_JOBS ?? 5000);
const RATE = Number(process.env.PAKYAS_BENCH_DASHBOARD_RATE ?? 200);
const SECONDS = Number(process.env.PAKYAS_BENCH_SECONDS ?? 15);
const socket = `pakyas-bench-${process.pid}`;
const tmux = (...a) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8' });
const bin = fileURLToPath(new URL('../bin/pakyas.js', import.meta.url));
console.log(`dashboard benchmark: ${JOBS} jobs, ${RATE} signals/s for ${SECONDS} s; ${machine()}`);


const s = await spawnServer('postgres');
try {
  const client = createClient({ server: s.url, token: ADMIN });
  const applied = await client.projects.applyConfig.mutate({ config: { project: 'dash', jobs: Array.from({ length: JOBS }, (_, i) => jobSpec(`job-${String(i).padStart(5, '0')}`)), channels: [], routes: [] }, source, expectedRevision: null });
  tmux('new-session', '-d', '-s', 'dash', '-x', '120', '-y', '40', 'env', `PAKYAS_SERVER=${s.url}`, `PAKYAS_TOKEN=${ADMIN}`, 'NO_COLOR=1', process.execPath, bin, 'dashboard');
  const pid = Number(tmux('display', '-p', '-t', 'dash', '#{pane_pid}').trim());
  const screen = () => tmux('capture-pane', '-p', '-t', 'dash');
  for (let i = 0; i < 200 && !screen().includes('job-0'); i++) await new Promise((r) => setTimeout(r, 100));

  // How long a key takes to show on screen through tmux, sampled for `seconds`.
  const keyLatencies = async (seconds) => {
    const out = [];
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const before = screen().split('\n').find((l) => l.includes('›'));
      const t = performance.now();
      tmux('send-keys', '-t', 'dash', 'j');
      while (performance.now() - t < 2000) {
        const now = screen().split('\n').find((l) => l.includes('›'));
        if (now !== before) break;
      }
      out.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 400));
    }
    return out;
  };
  // Baseline: the same keys with no signals arriving (tmux's own round trips included).
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await keyLatencies(Math.min(8, SECONDS));

  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  let stop = false;
  const loadLoop = async () => {
    const start = performance.now();
    while (!stop) {
      const job = `job-${String(Math.floor(Math.random() * JOBS)).padStart(5, '0')}`;
      const kind = Math.random() < 0.2 ? '/1' : '';
      request(`${s.url}/ping/${applied.pingKey}/${job}${kind}`, { method: 'POST', agent }, (res) => res.resume()).on('error', () => {}).end();
      sent++;
      const wait = start + (sent * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const load = loadLoop();
  await new Promise((r) => setTimeout(r, 2000));
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const loaded = await keyLatencies(SECONDS);
  const cores = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
  stop = true;
  await load;
  console.log(`signals sent: ${sent} (${fmt(sent / (SECONDS + 2), 0)}/s)`);
  const p50 = (xs) => percentile(xs, 50);
  console.log(`key to screen with no signals (baseline, via tmux): p50 ${fmt(p50(idle), 0)} ms, max ${fmt(Math.max(...idle), 0)} ms`);
  console.log(`key to screen at ${RATE} signals/s: p50 ${fmt(p50(loaded), 0)} ms, p99 ${fmt(percentile(loaded, 99), 0)} ms, max ${fmt(Math.max(...loaded), 0)} ms; ratio to baseline ${fmt(p50(loaded) / p50(idle), 2)} (target ≤ 100 ms → ratio ${fmt(p50(loaded) / 100, 2)})`);
  console.log(`dashboard CPU: ${fmt(cores, 2)} cores (target < 1)`);
} finally {
  try { tmux('kill-server'); } catch { /* gone */ }
  await s.stop();
}
